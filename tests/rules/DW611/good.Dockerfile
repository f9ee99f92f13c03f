# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends curl
EOF
RUN <<EOF
#!/usr/bin/env python3
import os
print(os.getcwd())
EOF
RUN bash -e <<EOF
mkdir -p /opt/app
touch /opt/app/ready
EOF
RUN cat > /etc/motd <<EOF
welcome
to the container
EOF
RUN <<EOF
apt-get update && \
  apt-get install -y curl
EOF
