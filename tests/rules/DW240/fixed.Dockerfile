FROM node:22-slim AS build
WORKDIR /app
RUN npm ci
FROM node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm cache clean --force && npm ci --omit=dev
RUN --mount=type=cache,target=/root/.npm npm install -g pm2@5.4.3 && rm -f .npmrc
