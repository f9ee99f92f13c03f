FROM alpine:3.20
RUN echo "machine github.com login x password ghp_abcdefghijklmnopqrstuvwxyz0123456789" > /root/.netrc
