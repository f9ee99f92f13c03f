FROM python:3.12-slim
ENV PORT=8080
RUN ["sh", "-c", "pip install --target $HOME/lib gunicorn"]
CMD ["/bin/sh", "-c", "exec gunicorn --bind 0.0.0.0:$PORT app:app"]
RUN ["powershell", "-Command", "$ErrorActionPreference = 'Stop'; Write-Host $env:PORT"]
RUN ["awk", "{ print $NF }", "/etc/hosts"]
