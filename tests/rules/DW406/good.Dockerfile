FROM golang:1.23 AS build
RUN go build -o /server ./cmd/server
FROM gcr.io/distroless/static-debian12
COPY --from=build /server /server
HEALTHCHECK CMD ["/server", "healthcheck"]
CMD ["/server"]
