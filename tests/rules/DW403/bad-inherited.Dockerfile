FROM python:3.12-slim AS base
CMD ["--workers", "4"]
ENTRYPOINT exec gunicorn app:app

FROM base
COPY . /srv
CMD ["--workers", "8"]
