# dockwise-test/python3, built by scripts/engine-setup: like distroless python3, the static base plus Debian's
# python3 interpreter, the shared libraries it and its extension modules need, and the stdlib without tests.
FROM dockwise-test/toolchain:bookworm AS files
COPY rootfs.sh /usr/local/bin/rootfs.sh
RUN sh /usr/local/bin/rootfs.sh /rootfs python3

FROM dockwise-test/static:bookworm
COPY --from=files /rootfs/ /
ENTRYPOINT ["/usr/bin/python3"]
