FROM debian:bookworm-slim AS base
RUN curl -fsSL -o /tmp/a https://example.org/a
FROM base
RUN wget -q -O /tmp/b https://example.org/b && wget -q -O /tmp/c https://example.org/c
