FROM debian:12-slim AS build
RUN curl -fsSL https://example.com/install.sh | sh
RUN wget -qO- https://example.com/install.sh | sudo -E bash -s -- --prefix /opt
RUN curl -sSL https://install.python-poetry.org | python3 -
RUN curl -fsSL https://example.com/go.sh | sh -s -- -b "$(go env GOPATH)/bin" v1.2.3
RUN bash <(curl -fsSL https://example.com/install.sh)
RUN /bin/bash -c "$(curl -fsSL https://example.com/install.sh)"
RUN <<EOF
set -e
eval "$(wget -O - https://example.com/env.sh)"
EOF
RUN curl -sSL https://example.com/dbg.sh | bash /dev/stdin -v latest

FROM debian:12-slim
COPY --from=build /opt /opt
