FROM alpine:3.20 AS build
ENTRYPOINT ["tini", "--"]

FROM alpine:3.20
RUN apk add --no-cache tini
ENTRYPOINT ["tini", "--", "/usr/local/bin/server"]
