FROM python:3.12-slim
COPY --from=ghcr.io/astral-sh/uv:0.6.3 /uv /bin/uv
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev
RUN --mount=type=cache,target=/root/.cache/uv uv pip install --system -r requirements.txt
