FROM alpine:3.20 AS build
RUN apk add build-base
FROM alpine:3.20
RUN apk add --no-cache curl
RUN --mount=type=cache,target=/var/cache/apk apk add git
RUN apk add jq && rm -rf /var/cache/apk/*
RUN apk add --no-network --virtual .run-deps $runDeps
