FROM node:22-slim
COPY .npmrc package.json package-lock.json ./
RUN npm ci && rm .npmrc
