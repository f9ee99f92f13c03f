FROM alpine:3.20
WORKDIR /usr/src/app
RUN <<EOF
cd /usr/src/app || exit
make install
EOF
