FROM debian:12-slim
ARG SMALL_UID=1001
RUN useradd --no-log-init --uid 123456789 --create-home app
RUN useradd -lu 200000 svc
RUN useradd -r -l -u 300000 worker
RUN useradd --uid 10001 --create-home small
RUN useradd -u "$SMALL_UID" runner
RUN useradd -u "$UNKNOWN_UID" other
# busybox adduser writes no lastlog
RUN adduser -D -u 123456789 alpine
