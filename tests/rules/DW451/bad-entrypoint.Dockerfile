FROM alpine:3.20
RUN apk add --no-cache tini
ENTRYPOINT ["/bin/sh", "-ec", "cd /srv; ./app --port $PORT"]
