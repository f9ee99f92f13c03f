FROM alpine:3.20
RUN <<EOF
cd /usr/src/app
make install
EOF
