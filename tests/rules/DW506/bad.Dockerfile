FROM debian:bookworm-slim AS base
RUN apt-get update && apt-get install -y --no-install-recommends openssh-server \
    && rm -rf /var/lib/apt/lists/*
EXPOSE 2222 22/TCP

FROM base
EXPOSE 8080
CMD ["/usr/sbin/sshd", "-D"]
