FROM python:3.12-slim
ENV PIP_NO_CACHE_DIR=1
RUN pip install -r requirements.txt \
    && pip install 'flask==3.1.0' "gunicorn>=23,<24" "httpx~=0.28" ./wheels/app-1.0-py3-none-any.whl . \
    && pip install -e . "pkg @ https://example.org/pkg.tar.gz" git+https://github.com/org/repo@v1.2 \
    && pip install $EXTRA "tool==${TOOL_VERSION}"
RUN pip install -c constraints.txt celery redis
RUN pip --version && pip freeze
FROM python:3.12-slim
ENV PIP_CONSTRAINT=/constraints.txt
RUN pip install celery
RUN pipx install black==24.10.0 && pip install git+ssh://git@github.com/org/tool.git@v2.0#egg=tool
