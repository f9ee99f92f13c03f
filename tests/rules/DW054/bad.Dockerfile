FROM alpine:3.20
ENV APP_HOME=/srv/app APP_DATA=$APP_HOME/data LOGS=${APP_HOME}/logs
