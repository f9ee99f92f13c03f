FROM python:3.12-slim AS build
RUN pip install build
FROM python:3.12-slim
ENV PIP_NO_CACHE_DIR=1
RUN pip install httpie
RUN --mount=type=cache,target=/root/.cache/pip pip3 install -r requirements.txt
RUN export PIP_NO_CACHE_DIR=1 && pip install requests
