FROM debian:12-slim
ARG VERSION=1.2.3
COPY app.tar.gz /tmp/
RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
COPY --chown=10001 tool-${VERSION}.tgz vendor.tar.xz /tmp/
RUN cd /opt \
 && tar xf /tmp/tool-${VERSION}.tgz \
 && tar --extract --file=/tmp/vendor.tar.xz
COPY dist/release.tar.gz /tmp/payload.tgz
RUN tar -xzf /tmp/payload.tgz -C /opt
