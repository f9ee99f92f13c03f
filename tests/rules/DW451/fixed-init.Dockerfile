FROM node:22
ENTRYPOINT ["tini", "--"]
CMD ["sh", "-c", "./migrate && exec node server.js"]
