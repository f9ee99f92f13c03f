FROM alpine:3.20
ADD https://example.com/tool-1.2.tar.gz /opt/
