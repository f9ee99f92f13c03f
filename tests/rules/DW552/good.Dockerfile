FROM debian:bookworm-slim
LABEL org.opencontainers.image.source="https://github.com/acme/app" org.opencontainers.image.licenses=MIT
