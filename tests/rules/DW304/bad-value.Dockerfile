FROM alpine:3.20
ARG REPO=https://deploy:s3cr3tpass@git.example.com/app.git
ENV GH=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB
