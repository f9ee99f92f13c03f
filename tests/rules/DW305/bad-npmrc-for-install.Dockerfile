FROM node:22-slim
WORKDIR /app
COPY .npmrc package.json package-lock.json ./
RUN npm ci && rm .npmrc
COPY . .
RUN npm run build
CMD ["node", "dist/server.js"]
