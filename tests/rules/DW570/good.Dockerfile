FROM node:22
WORKDIR /app
COPY package.json package-lock.json /app/
COPY ["a.txt", "b.txt", "./data/"]
COPY app.js .
COPY config.yaml defaults.yaml "/etc/app/"
