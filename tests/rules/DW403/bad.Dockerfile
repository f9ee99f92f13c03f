FROM alpine:3.20
ENTRYPOINT /usr/local/bin/server
CMD ["--port", "8080"]
