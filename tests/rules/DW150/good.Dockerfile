ARG BASE=registry.acme.example/python:3.12
ARG RUNTIME
FROM ${BASE} AS build
COPY --from=eu.mirror.acme.example/uv:0.5 /uv /bin/uv
COPY --from=ghcr.io/acme/tools:1 /bin/tool /bin/tool

FROM python:3.12-slim AS test
COPY --from=build /bin/uv /bin/uv
COPY --from=0 /bin/tool /bin/tool
RUN --mount=from=test,target=/t ls /t

FROM index.docker.io/library/debian:bookworm-slim AS hub
FROM ${RUNTIME}
FROM scratch
COPY --from=hub /etc/os-release /
