FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y -t bookworm-backports gcc make=4.3-4.1
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get -o Dpkg::Options::=--force-confnew install -y --no-install-recommends \
        ca-certificates curl=7.88.1-10+deb12u8 \
    && rm -rf /var/lib/apt/lists/*
RUN <<EOF
apt-get update
apt install -y "git"
EOF
