FROM debian:bookworm-slim
ADD "https://example.com/jdk-21.tar.gz" /opt/
RUN tar -xzf /opt/jdk-21.tar.gz -C /opt
RUN rm /opt/jdk-21.tar.gz
