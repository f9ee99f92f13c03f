FROM python:3.12-slim
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev
RUN uv pip install --system --no-cache -r requirements.txt
RUN UV_NO_CACHE=1 uv sync --locked
RUN uv tool install ruff@0.9.6 && uv cache clean
ENV UV_NO_CACHE=1
RUN uv sync --locked && uv --version
