FROM ruby:3.4-slim
RUN gem install bundler rails:8.0.1 && gem i --no-document nokogiri -- --use-system-libraries
