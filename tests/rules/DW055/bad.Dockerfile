FROM alpine:3.20
ENV APP_HOME=/srv/app
WORKDIR $APP_HOEM
FROM scratch
COPY app ${DEST}/app
