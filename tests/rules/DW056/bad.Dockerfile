FROM alpine:3.20
LABEL Version=1.0 com.docker.owner=me "my..key"=x
LABEL 2fa.enabled=true
