ARG ALPINE=3.20
FROM golang:1.22-bookworm AS build
FROM alpine:${ALPINE} AS tools
FROM build AS test
FROM gcr.io/distroless/static-debian12@sha256:0000000000000000000000000000000000000000000000000000000000000000
FROM scratch
COPY --from=build /out/app /app
