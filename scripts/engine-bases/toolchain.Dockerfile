# dockwise-test/toolchain:bookworm, built by scripts/engine-setup: the Debian base plus Debian's Go, Python,
# Node.js and C toolchains, playing the full official golang:, python: and node: images in the engine tests.
# apt-get uses the mirror in the Debian base's own sources.list.
FROM dockwise-test/debian:bookworm
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        golang-go python3 python3-venv python3-pip nodejs npm build-essential ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
# As on python:3.12, pip installs outside a virtualenv (Debian's Python refuses them: PEP 668)
ENV PIP_BREAK_SYSTEM_PACKAGES=1
