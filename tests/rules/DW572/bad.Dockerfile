FROM alpine:3.20
COPY config/app.yaml /etc/app/
COPY debug.log /var/log/
COPY secrets/db/password /run/
