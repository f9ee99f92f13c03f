FROM alpine:3.21
RUN apk add --no-cache --virtual .build-deps gcc musl-dev=1.2.5-r8 \
    && apk add --no-cache -X https://dl-cdn.alpinelinux.org/alpine/edge/testing jq@testing
