FROM scratch
COPY --chown=${APP_UID} app /app
