FROM python:3.12-slim
ENV PORT=8080
RUN ["pip", "install", "--target", "$HOME/lib", "gunicorn"]
CMD ["gunicorn", "--bind", "0.0.0.0:${PORT}", "app:app"]
