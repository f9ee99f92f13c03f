FROM node:22 AS build
RUN cd /app && npm ci
RUN set -e; cd /app && npm run build
RUN cd "$APP_HOME" && make
RUN cd "$APP_HOME" && make install

FROM node:22-slim
WORKDIR /srv
RUN cd web && npm ci
RUN <<EOF
cd /srv/web
npm run build
EOF
