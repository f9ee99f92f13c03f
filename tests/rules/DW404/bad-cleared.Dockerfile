FROM node:22-slim AS app
WORKDIR /app
COPY . .
CMD ["node", "server.js"]

FROM app
COPY docker-entrypoint.sh /usr/local/bin/
ENTRYPOINT ["docker-entrypoint.sh"]
