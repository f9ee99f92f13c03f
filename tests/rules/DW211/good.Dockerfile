FROM alpine:3.21
RUN apk add --no-cache curl=8.12.1-r0 git~2.47 'openssl>3.3' ./local.apk $RUN_DEPS '!pyc' \
    && apk add --no-cache --virtual .build-deps --repository https://example.org/alpine "gcc=${GCC_VERSION}"
RUN apk del .build-deps && apk --version
