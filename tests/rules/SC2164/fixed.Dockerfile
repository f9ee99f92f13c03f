FROM alpine:3.20
RUN <<EOF
cd /usr/src/app || exit
make install
EOF
