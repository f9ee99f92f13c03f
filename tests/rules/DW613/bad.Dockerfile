FROM debian:bookworm-slim
ADD https://example.com/tool-1.2.tar.gz /tmp/
RUN tar -xzf /tmp/tool-1.2.tar.gz -C /opt
RUN curl -fsSL -o /tmp/sdk.zip https://example.com/sdk.zip
RUN unzip /tmp/sdk.zip -d /opt/sdk
RUN rm /tmp/tool-1.2.tar.gz /tmp/sdk.zip
