FROM python:3.12-slim
RUN pip3.12 install --no-cache-dir -r requirements.txt
