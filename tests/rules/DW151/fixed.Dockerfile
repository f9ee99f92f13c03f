FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go mod download && go build -o /app .
EXPOSE 8080
CMD ["/app"]

FROM gcr.io/distroless/base-debian12:nonroot
EXPOSE 8080
WORKDIR /src
COPY --from=build /app /app
USER 65532:65532
CMD ["/app"]
