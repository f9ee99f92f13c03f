FROM debian:bookworm-slim
# each image built FROM this one installs jq without -y: its build stops at the prompt
ONBUILD RUN apt-get update && apt-get install --no-install-recommends jq && rm -rf /var/lib/apt/lists/*
