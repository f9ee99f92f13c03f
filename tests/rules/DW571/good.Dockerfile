FROM python:3.12-slim AS base
WORKDIR /app
FROM base
COPY app.py .
FROM scratch
COPY bin app
FROM python:3.12-slim
COPY app.py /srv/app.py
ENV VENV=/opt/venv
COPY requirements.txt "/etc/pip/"
COPY constraints.txt "${VENV}/constraints.txt"
