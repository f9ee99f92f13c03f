FROM node:22-slim
WORKDIR /app
COPY . .
# the build needs the sources, so the install cannot move before them
RUN npm ci && npm run build
CMD ["node", "server.js"]
