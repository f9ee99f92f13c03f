FROM alpine:3.20
RUN --security=insecure mount -t tmpfs none /mnt
RUN --network=host wget -q http://localhost:8080/artifact.tgz
