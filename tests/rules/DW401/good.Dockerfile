FROM node:22-slim AS build
CMD npm run build
FROM node:22-slim
COPY . /app
ENTRYPOINT ["node"]
CMD ["/app/server.js"]
