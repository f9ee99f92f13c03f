FROM node:22 AS build
CMD ["npm", "test"]
FROM node:22
ENTRYPOINT ["node"]
CMD ["server.js"]
