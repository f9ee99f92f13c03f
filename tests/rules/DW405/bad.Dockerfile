FROM node:22-slim
WORKDIR /app
COPY . .
CMD ["npm", "start"]
