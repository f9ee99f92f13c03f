FROM alpine:3.20
RUN apk add --no-cache tini
ENTRYPOINT ["/bin/sh", "-ec", "cd /srv; exec ./app --port $PORT"]
