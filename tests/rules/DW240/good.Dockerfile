FROM node:22-slim AS build
WORKDIR /app
RUN npm ci && npm run build
FROM node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
RUN --mount=type=cache,target=/root/.npm npm install -g pm2@5.4.3
RUN npm install -g serve@14.2.4 && rm -rf ~/.npm
ENV npm_config_cache=/tmp/npm-cache
RUN npm install -g typescript@5.7.3 && rm -rf /tmp/npm-cache
RUN npm run build && npm config set fund false
