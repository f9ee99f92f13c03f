FROM node:22-slim AS build
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
COPY .env.example /app/.env.example
COPY nodesource-repo.gpg.key /usr/share/keyrings/
COPY .ssh/authorized_keys /home/app/.ssh/authorized_keys
FROM node:22-slim
COPY --from=build /root/.npmrc /tmp/unused
# release-signing keys named *.key, copied where their destination says they are public
COPY jenkins.io-2026.key /war/jenkins-key.pub
COPY vendor-release.key /etc/apt/keyrings/
