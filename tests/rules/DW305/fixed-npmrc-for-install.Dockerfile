FROM node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npmrc,target=/app/.npmrc npm ci
COPY . .
RUN --mount=type=secret,id=npmrc,target=/app/.npmrc npm run build
CMD ["node", "dist/server.js"]
