FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get -qq install --no-install-recommends git && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install --yes --no-install-recommends make && rm -rf /var/lib/apt/lists/*
RUN echo "apt-get install is only mentioned here"
RUN apt-get update && apt-get install --quiet --quiet --no-install-recommends vim && rm -rf /var/lib/apt/lists/*
