FROM debian:bookworm-slim
RUN curl -fsSL -o /tmp/sdk.zip https://example.com/sdk.zip \
    && unzip /tmp/sdk.zip -d /opt/sdk \
    && rm /tmp/sdk.zip
FROM debian:bookworm-slim AS build
ADD https://example.com/tool-1.2.tar.gz /tmp/
RUN tar -xzf /tmp/tool-1.2.tar.gz -C /opt
RUN rm /tmp/tool-1.2.tar.gz
FROM debian:bookworm-slim
COPY --from=build /opt /opt
