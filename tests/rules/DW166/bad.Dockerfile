FROM --platform=$TARGETPLATFORM alpine:3.20
RUN echo
