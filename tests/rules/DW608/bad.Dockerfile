FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends nginx vim \
 && rm -rf /var/lib/apt/lists/*
RUN service nginx start
RUN vim /etc/nginx/nginx.conf
RUN ps aux && free -m
RUN kill -HUP 1
RUN ssh deploy@example.com true
RUN mount -t tmpfs tmpfs /mnt
RUN set -e; \
    nginx -t && systemctl restart nginx
RUN shutdown -h now
