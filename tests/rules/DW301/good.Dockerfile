FROM debian:bookworm-slim AS base
RUN useradd --uid 10001 app
USER 10001:10001
FROM base
COPY app /usr/local/bin/app
CMD ["app"]
