FROM node:22-slim
ARG NPM_TOKEN
ENV DB_PASSWORD=changeme
RUN npm ci
