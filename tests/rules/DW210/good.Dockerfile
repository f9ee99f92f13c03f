FROM debian:bookworm-slim
ARG CURL_VERSION=7.88.1-10+deb12u8
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl=${CURL_VERSION} $EXTRA_PACKAGES "${BUILD_DEPS[@]}" \
        ./vendor/tool.deb nodejs/bookworm-backports \
    && apt-get install -y -t bookworm-backports podman=4.3.1+ds1-8 \
    && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get upgrade -y && rm -rf /var/lib/apt/lists/*
