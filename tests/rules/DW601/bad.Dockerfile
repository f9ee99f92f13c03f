FROM python:3.12-slim
RUN cd /app
RUN set -eux; \
    export PATH=/opt/tool/bin:$PATH
RUN . /venv/bin/activate
RUN <<EOF
cd /srv
EOF
RUN pip install --no-cache-dir -r requirements.txt
