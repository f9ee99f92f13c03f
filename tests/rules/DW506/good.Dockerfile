FROM debian:bookworm-slim AS sshd-tests
EXPOSE 22

FROM debian:bookworm-slim
EXPOSE 2222 8022 22/udp
CMD ["/usr/local/bin/server"]
