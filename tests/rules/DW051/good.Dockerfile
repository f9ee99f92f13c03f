FROM alpine:3.20
RUN apk add --no-cache \
    # a comment line is fine
    curl
RUN <<EOF
apk add curl

apk add git
EOF
