# dockwise-test/nodejs, built by scripts/engine-setup: like distroless nodejs, the static base plus Debian's
# node and the shared libraries it needs.
FROM dockwise-test/toolchain:bookworm AS files
COPY rootfs.sh /usr/local/bin/rootfs.sh
RUN sh /usr/local/bin/rootfs.sh /rootfs nodejs

FROM dockwise-test/static:bookworm
COPY --from=files /rootfs/ /
ENTRYPOINT ["/usr/bin/node"]
