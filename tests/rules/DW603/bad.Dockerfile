FROM debian:12-slim AS build
RUN curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /opt
RUN set -eux; \
    wget -qO- https://example.com/key.asc | gpg --dearmor > /usr/share/keyrings/example.gpg
RUN <<EOF
set -e
make 2>&1 | tee build.log
EOF
# pipefail in a subshell does not reach the pipe after it
RUN (set -o pipefail) && git ls-remote https://example.com/x.git | cut -f1 > /rev
# `set +o pipefail` turns it off again
RUN set -o pipefail && echo ok | cat && set +o pipefail && go list -m all | sort > /mods

FROM debian:12-slim
COPY --from=build /opt /opt
