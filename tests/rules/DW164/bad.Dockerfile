FROM golang:1.23 AS build
RUN go build -o /out/app .
FROM debian:12-slim
COPY --from=build / /
COPY --from=build "/" "/"
