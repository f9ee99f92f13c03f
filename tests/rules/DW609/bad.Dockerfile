FROM debian:12-slim AS build
RUN apt-get update
RUN apt-get install -y --no-install-recommends build-essential

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl
# comments between RUNs do not separate them
RUN rm -rf /var/lib/apt/lists/*
RUN set -eux; \
    useradd --uid 10001 app
COPY --from=build /etc/os-release /tmp/
RUN --mount=type=cache,target=/root/.cache pip install x
RUN --mount=type=cache,target=/root/.cache pip install y && pip check
USER 10001
