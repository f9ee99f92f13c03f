FROM debian:12-slim
ARG APP_UID=1000000
RUN useradd --uid 123456789 --create-home app
RUN groupadd -g 200000 svc && useradd -ru 200000 -g svc svc
RUN useradd --uid=300000 worker
RUN useradd -u "${APP_UID}" runner
