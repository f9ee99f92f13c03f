FROM alpine:3.20
ADD rootfs.tar.gz /
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool /usr/local/bin/tool
ADD https://github.com/moby/buildkit.git#v0.14.0 /src
COPY config.yaml /etc/app/config.yaml
ADD "vendor.tar.gz" /opt/vendor/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d "https://example.com/tool" /usr/local/bin/tool
