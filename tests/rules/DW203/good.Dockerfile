FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,target=/var/lib/apt/lists --mount=type=cache,target=/var/cache/apt \
    apt-get update && apt-get install -y --no-install-recommends git
RUN <<EOF
set -e
apt-get update
apt-get install -y --no-install-recommends make
rm -rf /var/lib/apt/lists/*
EOF
RUN set -eux; apt-get update; apt-get install -y --no-install-recommends tzdata; apt-get dist-clean
