FROM debian:12-slim AS build
# builder stages may split RUNs for caching
RUN apt-get update
RUN apt-get install -y --no-install-recommends build-essential

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
COPY app /app
# different flags cannot simply be joined
RUN --mount=type=cache,target=/root/.cache pip install x
RUN pip install --no-cache-dir y
COPY src /usr/src/app
# two multi-command RUNs side by side are split on purpose
RUN ./configure && make && make install
RUN make check && rm -rf /usr/src/app
USER 10001
