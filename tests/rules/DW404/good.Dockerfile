FROM node:22-slim AS app
CMD ["node", "server.js"]

FROM app
RUN apt-get update && apt-get install -y --no-install-recommends dumb-init && rm -rf /var/lib/apt/lists/*
CMD ["node", "server.js"]
ENTRYPOINT ["dumb-init", "--"]
