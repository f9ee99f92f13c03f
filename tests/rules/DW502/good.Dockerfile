FROM alpine:3.20
ENV APP_HOME=/srv/app
WORKDIR /app
WORKDIR $APP_HOME
WORKDIR "/quoted path"
