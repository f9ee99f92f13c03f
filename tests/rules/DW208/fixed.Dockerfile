FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir -r requirements.txt
ARG GIT_COMMIT
LABEL org.opencontainers.image.revision=$GIT_COMMIT
CMD ["python", "app.py"]
