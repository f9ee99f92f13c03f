FROM debian:bookworm-slim
ARG GIT_SHA
ARG CREATED
LABEL org.opencontainers.image.source="https://github.com/acme/app" \
      org.opencontainers.image.licenses="Apache-2.0 OR MIT" \
      org.opencontainers.image.created=$CREATED \
      org.opencontainers.image.revision=$GIT_SHA
LABEL org.opencontainers.image.version=1.2.0-rc.1+build.5 \
      org.opencontainers.image.authors="ops@example.com" \
      org.opencontainers.image.title="acme app" \
      org.opencontainers.image.description=""
LABEL org.opencontainers.image.created="2024-05-01T12:00:00+02:00" org.opencontainers.image.revision=0f3e9a1
LABEL org.opencontainers.image.licenses="LicenseRef-acme-commercial"
