FROM node:22
CMD ["sh", "-c", "./migrate && exec node server.js"]
