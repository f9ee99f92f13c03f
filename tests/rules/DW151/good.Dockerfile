FROM golang:1.22 AS build
RUN apt-get update && apt-get install -y gcc
RUN go build -o /app .

FROM eclipse-temurin:21-jre
RUN apk add --no-cache --virtual .build-deps gcc musl-dev \
 && pip install --no-cache-dir psycopg2 \
 && apk del .build-deps
COPY --from=build /app /app
CMD ["/app"]
