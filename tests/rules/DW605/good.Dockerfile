FROM ubuntu:24.04
# installing sudo (or configuring it) is not running it
RUN apt-get update \
 && apt-get install -y --no-install-recommends sudo \
 && echo "app ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/app \
 && rm -rf /var/lib/apt/lists/*
RUN echo "sudo is mentioned in a string"
USER 10001:10001
