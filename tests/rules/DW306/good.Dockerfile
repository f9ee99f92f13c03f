FROM node:22-slim
ARG NPM_TOKEN
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > /root/.npmrc && npm ci && rm -f /root/.npmrc
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
RUN echo "registry=https://registry.example.com/" > .yarnrc
ADD https://artifacts.example.com/app.tgz /tmp/
RUN echo "registry=https://registry.example.com/" > /root/.npmrc
