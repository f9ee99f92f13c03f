FROM --platform=$BUILDPLATFORM golang:1.23 AS build
RUN go build .
FROM --platform=linux/arm64 alpine:3.20 AS tools-arm64
FROM alpine:3.20
FROM --platform=linux/amd64 alpine:3.20 AS linux-tools
