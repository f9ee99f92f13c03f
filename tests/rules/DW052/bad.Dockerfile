FROM alpine:3.20
ENV APP_ENV production LOG_LEVEL=debug
LABEL vendor ACME version=1.0
