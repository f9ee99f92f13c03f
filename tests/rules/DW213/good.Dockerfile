FROM node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci && npm install && npm install --omit=dev
RUN npm install -g typescript@5.7.3 @angular/cli@19.1.0 "ghost-cli@${GHOST_CLI_VERSION}" $TOOLS \
    && npm install ./local-package ../other.tgz github:user/repo user/repo#v1 git+https://example.org/r.git#v1.4.0 ./vendor/pkg-1.2.3.tar
RUN npm config set loglevel warn && npm run build
