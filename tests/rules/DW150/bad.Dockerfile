FROM quay.io/prometheus/busybox:latest AS tools
FROM ghcr.io/acmecorp/base:1.0 AS build
COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/uv
RUN --mount=type=bind,from=gcr.io/distroless/static-debian12,target=/d ls /d

FROM registry.acme.example/app/runtime:2
COPY --from=build /bin/uv /bin/uv
