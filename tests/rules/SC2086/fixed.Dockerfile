FROM alpine:3.20
RUN mkdir -p "$HOME"/.config \
    && cp /etc/defaults/app.conf "$HOME"/.config/
