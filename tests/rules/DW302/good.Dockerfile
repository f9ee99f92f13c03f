FROM python:3.12-slim AS build
USER root
FROM python:3.12-slim
USER root
RUN pip install --no-cache-dir httpie
USER 10001:10001
CMD ["python", "-m", "app"]
