FROM debian:bookworm-slim
LABEL org.opencontainers.image.sorce="https://github.com/acme/app"
