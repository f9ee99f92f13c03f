FROM golang:1.23 AS builder
RUN go build -o /out/app .
FROM gcr.io/distroless/static-debian12
COPY --from=bulider /out/app /app
COPY --from=3 /x /x
COPY --from=build /y /y
COPY --from=Not_An_Image /z /z
