FROM python:3.12-slim
COPY requirements.txt .
RUN python3 -m pip install --no-cache-dir -r requirements.txt
