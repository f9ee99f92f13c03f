FROM ruby:3.4-slim AS build
RUN bundle install
FROM ruby:3.4-slim
WORKDIR /app
RUN bundle install && rm -rf ~/.bundle/ "${BUNDLE_PATH}"/ruby/*/cache
RUN gem install bundler -v 2.6.2 && rm -rf /usr/local/bundle/cache/*.gem
RUN gem install rake -v 13.2.1 && rm -rf "$GEM_HOME/cache"
RUN --mount=type=cache,target=/usr/local/bundle/cache bundle install
RUN bundle exec rake assets:precompile
