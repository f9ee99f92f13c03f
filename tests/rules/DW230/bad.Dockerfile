FROM debian:bookworm-slim
RUN wget -O /tmp/tool.tar.gz https://example.org/tool.tar.gz \
    && wget --no-check-certificate https://example.org/other.tar.gz
