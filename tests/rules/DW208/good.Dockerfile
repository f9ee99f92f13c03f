FROM golang:1.23 AS build
ARG GOLANG_COMMIT=3f1a2b
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
FROM python:3.12-slim
RUN pip install --no-cache-dir -r requirements.txt
ARG BUILD_DATE
LABEL org.opencontainers.image.created=$BUILD_DATE
