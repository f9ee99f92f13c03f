FROM python:3.12-slim
RUN useradd --create-home app
USER app
WORKDIR ~/app
COPY --chown=app requirements.txt ~/app/
ENV PATH="~/.local/bin:$PATH" \
    NVM_DIR=~/.nvm
ADD ["settings.toml", "~app/.config/"]
