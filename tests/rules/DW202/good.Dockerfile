FROM ubuntu:24.04 AS build
RUN apt-get update && apt-get install -y build-essential
FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y -o APT::Install-Recommends=false git && rm -rf /var/lib/apt/lists/*
