FROM debian:bookworm-slim AS build
USER builder
FROM debian:bookworm-slim
ARG UID=10001
RUN useradd --uid 10001 --create-home app
USER 10001:10001
