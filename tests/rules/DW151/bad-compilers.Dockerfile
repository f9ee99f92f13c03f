FROM python:3.12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libpq-dev \
 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir -r requirements.txt
# removing it in a later RUN does not shrink the layer above
RUN apt-get purge -y build-essential
CMD ["gunicorn", "app:app"]
