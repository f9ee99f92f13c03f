FROM node:22-slim AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build
CMD ["npm", "start"]
FROM node:22-slim
COPY --from=build /app/dist /app
CMD ["node", "/app/server.js"]
