FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean && rm -rf /var/lib/apt/lists/*
RUN aptitude update && aptitude install -y curl && rm -rf /var/lib/apt/lists/*
