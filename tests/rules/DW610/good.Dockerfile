FROM debian:12-slim AS build
# builder stages do not ship their layers
COPY app.tar.gz /tmp/
RUN tar -xzf /tmp/app.tar.gz -C /opt

FROM debian:12-slim
ADD app.tar.gz /opt/
RUN --mount=type=bind,source=data.tar.gz,target=/tmp/data.tar.gz tar -xzf /tmp/data.tar.gz -C /srv
# ADD does not extract zip files
COPY site.zip /tmp/
RUN unzip /tmp/site.zip -d /srv && rm /tmp/site.zip
# copied from another stage, or listed but not extracted
COPY --from=build /opt/app.tar.gz /tmp/
RUN tar -xzf /tmp/app.tar.gz -C /opt
COPY backup.tar /backups/
RUN tar -tf /backups/backup.tar
