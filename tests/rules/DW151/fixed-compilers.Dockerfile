FROM python:3.12-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libpq-dev \
 && rm -rf /var/lib/apt/lists/*
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
RUN python3 -m venv /opt/venv && pip install --no-cache-dir -r requirements.txt
# removing it in a later RUN does not shrink the layer above
RUN apt-get purge -y build-essential
CMD ["gunicorn", "app:app"]

FROM python:3.12-slim
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY --from=build /opt/venv /opt/venv
USER 65532:65532
CMD ["gunicorn", "app:app"]
