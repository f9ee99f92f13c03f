FROM debian:12 AS build
ARG release
ENV prefix=/opt/tool
RUN mkdir -p "$prefix/bin" \
    && for path in /usr/share/tool/*; do \
         cp "$path" "$prefix/bin/"; \
       done \
    && echo "built $release"

RUN <<EOF
set -e
cd /opt/tool || exit 1
echo "$HOME"
EOF

FROM build AS final
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN echo "$RANDOM" | tee /tmp/random
RUN ["sh", "-c", "echo $anything"]
