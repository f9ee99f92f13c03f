FROM node:22
WORKDIR /app
COPY package.json package-lock.json /app
ADD a.txt b.txt ./data
