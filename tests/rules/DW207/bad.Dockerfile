FROM debian:bookworm-slim AS build
RUN apt update && apt install -y --no-install-recommends build-essential
FROM debian:bookworm-slim
RUN apt-get update \
    && apt full-upgrade -y \
    && apt-get install -y --no-install-recommends curl; apt search curl \
    && rm -rf /var/lib/apt/lists/*
