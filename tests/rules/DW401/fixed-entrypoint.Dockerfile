FROM alpine:3.20
ENTRYPOINT ["/usr/local/bin/run", "--port", "8080"]
