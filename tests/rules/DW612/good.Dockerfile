FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5
RUN rm /etc/motd || true
RUN pip install --no-cache-dir -r requirements.txt || (cat /root/.pip/pip.log && exit 1)
