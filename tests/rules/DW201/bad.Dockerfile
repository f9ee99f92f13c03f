FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install --no-install-recommends build-essential
