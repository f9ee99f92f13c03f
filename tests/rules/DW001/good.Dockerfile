FROM alpine:3.20
RUN <<EOF
apk add --no-cache curl
EOF
CMD ["sleep", "3600"]
