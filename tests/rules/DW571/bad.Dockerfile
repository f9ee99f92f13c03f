FROM python:3.12-slim
COPY app.py .
COPY lib lib/
CMD ["python", "app.py"]
