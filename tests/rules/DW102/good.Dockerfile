FROM golang:1.22 AS deps
RUN go mod download
FROM deps AS build
RUN go build -o /app .
FROM alpine:3.20 AS certs
RUN apk add --no-cache ca-certificates
# targets of their own, built with --target (or Compose's build.target): their names say so
FROM deps AS dev
RUN go install github.com/air-verse/air@v1.52.0
FROM build AS lint-go
RUN go vet ./...
FROM scratch
COPY --from=certs /etc/ssl/certs /etc/ssl/certs
COPY --from=build /app /app
