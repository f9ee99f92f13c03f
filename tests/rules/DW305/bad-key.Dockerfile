FROM alpine:3.20
COPY certs/server.key /etc/ssl/private/server.key
