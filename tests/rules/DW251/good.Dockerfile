FROM python:3.12-slim
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
USER 1000:1000
RUN --mount=type=cache,target=/home/app/.cache/pip,uid=1000,gid=1000 pip install --user -r requirements.txt
RUN --mount=type=cache,target=/tmp/cache,mode=0777 make
