FROM python:3.12-slim
WORKDIR /app
ENV PATH=/venv/bin:/opt/tool/bin:$PATH
# cd followed by real work in the same RUN is fine
RUN cd /tmp && curl -fsSLO https://example.com/tool.tar.gz && tar -xzf tool.tar.gz
RUN . /etc/os-release && echo "$VERSION_CODENAME" > /etc/codename
RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get update && apt-get install -y --no-install-recommends curl
# sourcing a script that does work is not only shell state
RUN . ./install.sh
RUN ["/bin/sh", "-c", "make"]
