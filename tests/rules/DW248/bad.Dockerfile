FROM python:3.12-slim
COPY --from=ghcr.io/astral-sh/uv:0.6.3 /uv /bin/uv
WORKDIR /app
RUN uv sync --locked --no-dev
RUN uv pip install --system -r requirements.txt
