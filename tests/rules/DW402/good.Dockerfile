FROM nginx:1.27-alpine AS base
HEALTHCHECK --interval=30s CMD wget -qO- http://localhost/ || exit 1
FROM base
EXPOSE 80
