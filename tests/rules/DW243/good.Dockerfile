FROM debian:bookworm-slim
RUN gem install --no-document bundler -v 2.6.2 && gem install -N rake -v 13.2.1
RUN echo 'gem: --no-document' > /etc/gemrc
RUN gem install rails -v 8.0.1
FROM ruby:3.4-slim
RUN gem install bundler -v 2.6.2
