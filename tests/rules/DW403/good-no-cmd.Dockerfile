FROM alpine:3.20 AS build
ENTRYPOINT /bin/build.sh
CMD ["--all"]

FROM alpine:3.20
ENTRYPOINT exec /usr/local/bin/server --port 8080
