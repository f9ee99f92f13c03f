FROM alpine:3.20
COPY app /app
COPY keep.log /var/log/
COPY --from=builder config/app.yaml /etc/app/
COPY *.yaml /etc/
COPY . /src
