FROM node:22-slim AS build
RUN yarn install --frozen-lockfile
FROM node:22-slim
WORKDIR /app
RUN yarn install --frozen-lockfile --production && yarn cache clean
RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn global add serve@14.2.4
RUN yarn add lodash@4.17.21 && rm -rf /usr/local/share/.cache/yarn
RUN yarn install --immutable && yarn --version
ENV YARN_CACHE_FOLDER=/tmp/yarn
RUN --mount=type=cache,target=/tmp/yarn yarn install
