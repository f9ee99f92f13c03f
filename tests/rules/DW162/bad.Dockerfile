FROM golang:1.23 AS Builder
RUN go build -o /app .
FROM scratch
COPY --from=builder /app /app
