FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean
RUN aptitude update && aptitude install -y curl
