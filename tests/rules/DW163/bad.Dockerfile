FROM node:22 as build
RUN npm ci
from nginx:1.27 AS web
