FROM python:3.12-slim
RUN pip install --no-cache-dir --upgrade pip \
    && python3 -m pip install --no-cache-dir -r requirements.txt "requests[socks]" \
    && pip3 install --no-cache-dir --index-url https://pypi.example.org/simple flask==3.1.0 gunicorn
RUN uv pip install --system httpx
RUN pip install git+https://github.com/org/tool.git#egg=tool && pipx install black
