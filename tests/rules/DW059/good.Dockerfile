ARG TOOL_VERSION=1.4.2
ARG NODE_VERSION=22
ARG CHANNEL=stable
FROM node:${NODE_VERSION}-bookworm-slim
ARG TOOL_VERSION
RUN curl -fsSLO https://example.com/tool-${TOOL_VERSION}.tgz && echo "node $NODE_VERSION"
RUN echo '$TOOL_VERSION is printed as written'
FROM alpine:3.20
RUN CHANNEL=beta && echo "$CHANNEL"
