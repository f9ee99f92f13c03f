FROM alpine:3.20
CMD run --port 8080
ENTRYPOINT /usr/local/bin/start
