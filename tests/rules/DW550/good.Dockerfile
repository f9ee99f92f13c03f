FROM debian:bookworm-slim AS base
LABEL org.opencontainers.image.licenses="Apache-2.0"

FROM base
ARG SOURCE=https://github.com/acme/app
LABEL "org.opencontainers.image.source"=$SOURCE
