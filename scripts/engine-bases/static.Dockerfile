# dockwise-test/static, built by scripts/engine-setup: like distroless static, no shell and no package manager,
# only passwd/group (root, nobody, nonroot 65532), CA certificates, time zones and a /tmp, for static binaries.
FROM dockwise-test/toolchain:bookworm AS files
COPY rootfs.sh /usr/local/bin/rootfs.sh
RUN sh /usr/local/bin/rootfs.sh /rootfs

FROM scratch
COPY --from=files /rootfs/ /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
