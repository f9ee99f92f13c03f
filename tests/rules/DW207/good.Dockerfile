FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN apt-cache policy curl
RUN echo "apt install is only mentioned here" && apt --version
