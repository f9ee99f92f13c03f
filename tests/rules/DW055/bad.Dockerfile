FROM alpine:3.20
ENV APP_HOME=/srv/app
WORKDIR $APP_HOEM
FROM scratch
COPY app ${DEST}/app
FROM alpine:3.20
COPY $PLUGIN_DIR /opt/plugins/
ARG PLUGIN_DIR=plugins
