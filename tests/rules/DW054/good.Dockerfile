FROM alpine:3.20
ENV APP_HOME=/srv/app
ENV APP_DATA=$APP_HOME/data PATH=/opt/bin:$PATH
