FROM python:3.12-slim
RUN useradd --create-home app && cp /etc/skel/.bashrc ~app/
USER app
WORKDIR /home/app/app
COPY --chown=app requirements.txt ./
ENV PATH="/home/app/.local/bin:$PATH" GREETING="~ hello ~"
RUN pip install --user -r requirements.txt && ls ~/.local/bin
CMD ["sh", "-c", "exec ~/.local/bin/app"]
