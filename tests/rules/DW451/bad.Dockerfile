FROM node:22
CMD ["sh", "-c", "./migrate && node server.js"]
