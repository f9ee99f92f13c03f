FROM golang:1.22 AS build
RUN go build -o /out/app .
FROM debian:bookworm-slim
COPY --from=build /out/app /usr/local/bin/app
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --no-log-init app
USER 10001:10001
CMD ["app"]
