FROM node:22-slim
WORKDIR /app
COPY . .
CMD yarn run serve
