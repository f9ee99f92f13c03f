FROM golang:1.22 AS build
# a builder stage's labels do not reach the image
LABEL org.opencontainers.image.licenses="MIT"
RUN go build -o /app .

FROM gcr.io/distroless/static-debian12
LABEL org.opencontainers.image.source="https://github.com/acme/app"
COPY --from=build /app /app
