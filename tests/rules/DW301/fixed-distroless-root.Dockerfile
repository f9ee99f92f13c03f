FROM golang:1.23 AS build
RUN go build -o /app .
FROM gcr.io/distroless/static-debian12
COPY --from=build /app /app
USER 65532:65532
CMD ["/app"]
