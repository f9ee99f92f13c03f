FROM node:22-slim AS build
RUN pnpm install --frozen-lockfile && pnpm build
FROM node:22-slim
WORKDIR /app
RUN --mount=type=cache,id=pnpm,target=/pnpm/store pnpm install --prod --frozen-lockfile
RUN pnpm add -g serve@14.2.4 && pnpm store prune
RUN pnpm install --prod && rm -rf /root/.local/share/pnpm/store
