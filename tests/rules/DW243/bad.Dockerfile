FROM ruby:3.4 AS build
RUN gem install rake -v 13.2.1
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ruby && rm -rf /var/lib/apt/lists/*
RUN gem install bundler -v 2.6.2 && gem install --no-document rake -v 13.2.1
