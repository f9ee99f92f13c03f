ARG TOOLS=ghcr.io/example/tools:1.2
FROM golang:1.23 AS Builder
RUN go build -o /out/app .
FROM gcr.io/distroless/static-debian12
COPY --from=builder /out/app /app
COPY --from=0 /etc/ssl /etc/ssl
COPY --from=nginx:1.27 /etc/nginx/mime.types /etc/mime.types
COPY --from=$TOOLS /bin/tool /bin/tool
COPY --from=docker.io/tonistiigi/xx / /xx
