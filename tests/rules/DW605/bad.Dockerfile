FROM ubuntu:24.04
RUN useradd --uid 10001 --create-home app
USER app
RUN sudo apt-get update \
 && sudo apt-get install -y --no-install-recommends curl
RUN curl -fsSL https://example.com/key.asc | sudo tee /etc/apt/keyrings/example.asc > /dev/null
