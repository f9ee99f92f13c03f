FROM alpine:3.20
LABEL org.opencontainers.image.version=1.0 com.example.owner=me maintainer="me <me@x.io>" $DYNAMIC=x
