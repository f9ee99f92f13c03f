# BuildKit resolves --from by name across the whole file: a stage may copy from one defined later.
FROM alpine:3.20 AS runtime
COPY --from=assets /srv/www /srv/www
COPY --from=2 /out/app /usr/local/bin/app

FROM alpine:3.20 AS assets
RUN mkdir -p /srv/www && echo ok > /srv/www/index.html

FROM golang:1.23 AS build
RUN go build -o /out/app .
