FROM node:22-slim
WORKDIR /app
COPY package.json yarn.lock ./
RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install --frozen-lockfile --production
RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn && yarn build
