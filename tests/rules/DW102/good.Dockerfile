FROM golang:1.22 AS deps
RUN go mod download
FROM deps AS build
RUN go build -o /app .
FROM alpine:3.20 AS certs
RUN apk add --no-cache ca-certificates
FROM scratch
COPY --from=certs /etc/ssl/certs /etc/ssl/certs
COPY --from=build /app /app
