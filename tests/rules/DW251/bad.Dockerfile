FROM python:3.12-slim
RUN useradd --uid 1000 --create-home app
USER 1000
RUN --mount=type=cache,target=/home/app/.cache/pip pip install --user -r requirements.txt
USER app
RUN --mount=type=cache,target=/home/app/.npm npm ci
