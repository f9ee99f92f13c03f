FROM alpine:3.20
WORKDIR /srv
WORKDIR /srv/app
CMD ["./run"]
