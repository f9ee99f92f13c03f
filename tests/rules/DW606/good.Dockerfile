FROM debian:12-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# links to the shell, not replacing it
RUN ln -s /bin/sh /usr/local/bin/posix-sh
RUN ln -sf /bin/bash /usr/local/bin/sh
RUN ln -s -t /usr/local/bin /bin/sh

FROM gcr.io/distroless/base:debug
# without -f, ln creates a /bin/sh where there is none (it fails on an existing one)
RUN ["/busybox/ln", "-s", "/busybox/sh", "/bin/sh"]
