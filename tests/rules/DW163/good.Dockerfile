FROM node:22 AS build
RUN npm ci
from nginx:1.27 as web
FROM web
