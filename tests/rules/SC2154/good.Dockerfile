FROM alpine:3.20 AS base
ARG app_version
ENV app_home=/srv/app

FROM base
RUN --mount=type=secret,id=token,env=api_token \
    echo "installing $app_version into $app_home with ${api_token:+a token} via ${http_proxy:-no proxy}"
