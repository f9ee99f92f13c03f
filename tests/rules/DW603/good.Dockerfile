FROM debian:12-slim AS build
RUN set -o pipefail && curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /opt
RUN set -euxo pipefail; \
    wget -qO- https://example.com/key.asc | gpg --dearmor > /usr/share/keyrings/example.gpg
RUN <<EOF
set -eo pipefail
make 2>&1 | tee build.log
EOF
RUN bash -o pipefail <<EOF
make 2>&1 | tee build.log
EOF
RUN <<EOF
#!/bin/bash -eo pipefail
make 2>&1 | tee build.log
EOF
# left sides that print, filter or query the local system
RUN echo "deb http://deb.debian.org/debian bookworm main" | tee /etc/apt/sources.list
RUN { echo a; printf '%s\n' b; } | sort > /list
RUN yes | apt-get install -y --no-install-recommends curl
RUN find /usr/local -type f -executable -exec ldd '{}' ';' \
      | awk '/=>/ { print $(NF-1) }' \
      | sort -u \
      | xargs -r dpkg-query --search \
      | cut -d: -f1 \
      | sort -u \
      | xargs -r apt-mark manual
RUN dpkgArch="$(dpkg --print-architecture | awk -F- '{ print $NF }')" && echo "$dpkgArch"
# readers that stop early would fail the build with pipefail
RUN gosu app bundle exec rake time:zones:all | grep -q Kyiv
RUN git log --oneline | head -n 1 > /commit
# a pipe inside a string or || is no pipeline of this shell
RUN make || true
RUN bash -c "make | tee build.log"

FROM debian:12-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /opt
