FROM ruby:3.4-slim
RUN gem install bundler -v 2.6.2 \
    && gem install --version '~> 8.0' rails \
    && gem install rails:8.0.1 ./vendor/local.gem "$GEM_NAME" -- --with-cflags=-O2
RUN gem update --system && gem --version
