ARG TOOL_VERSION=1.4.2
FROM debian:bookworm-slim
ARG TOOL_VERSION
RUN curl -fsSLO https://example.com/tool-${TOOL_VERSION}.tgz
COPY config /etc/tool-$TOOL_VERSION/
