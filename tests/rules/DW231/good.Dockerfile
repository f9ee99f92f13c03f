FROM debian:bookworm-slim AS build
RUN wget -q -O /tmp/a https://example.org/a
FROM debian:bookworm-slim
COPY --from=build /tmp/a /a
RUN curl -fsSL -o /tmp/b https://example.org/b
