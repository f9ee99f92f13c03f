FROM node:22
CMD ["npm", "start"]
HEALTHCHECK CMD curl -f http://localhost/ || exit 1
HEALTHCHECK NONE
CMD ["node", "server.js"]
