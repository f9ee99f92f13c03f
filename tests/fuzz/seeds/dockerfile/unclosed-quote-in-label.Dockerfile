FROM alpine
LABEL org.opencontainers.image.authors=O'Reilly and friends, since 1978
