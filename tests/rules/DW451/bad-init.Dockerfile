FROM node:22
ENTRYPOINT ["tini", "--"]
CMD ["sh", "-c", "./migrate && node server.js"]
