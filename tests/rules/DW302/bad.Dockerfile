FROM python:3.12-slim
USER app
RUN pip install --user httpie
USER root
CMD ["python", "-m", "app"]
