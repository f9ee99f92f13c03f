FROM debian:bookworm-slim
LABEL org.opencontainers.image.source="github.com/acme/app" \
      org.opencontainers.image.licenses="MIT AND" \
      org.opencontainers.image.created="2024-13-01T00:00:00Z"
LABEL org.opencontainers.image.revision=ABCDEF1 org.opencontainers.image.version=v1.2
LABEL org.opencontainers.image.authors="ops team" org.opencontainers.image.title=""
