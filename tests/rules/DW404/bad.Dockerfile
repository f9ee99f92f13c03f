FROM alpine:3.20
RUN apk add --no-cache tini
COPY server /usr/local/bin/server
ENTRYPOINT ["/sbin/tini", "-g", "--"]
