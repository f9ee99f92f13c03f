FROM golang:1.23 AS builder
RUN go build -o /app .
FROM scratch
COPY --from=builder /app /app
