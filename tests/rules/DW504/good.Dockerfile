FROM alpine:3.20
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool-1.2.tar.gz /opt/
ADD https://github.com/moby/buildkit.git#v0.14.0 /src
ADD local.tar.gz /opt/
