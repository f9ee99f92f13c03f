FROM debian:bookworm-slim
RUN wget -q https://example.org/a && wget -nv https://example.org/b \
    && wget --progress=dot:giga https://example.org/c && wget -qO- https://example.org/d | sh \
    && wget -o /tmp/wget.log https://example.org/e && wget --quiet https://example.org/f
