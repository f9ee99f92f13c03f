FROM alpine:3.20
ENV NODE_VERSION 22.11.0
ENV GPG_KEYS k1 k2
ENV GLIBC_TUNABLES glibc.pthread.rseq=0
ENV JAVA_OPTS -Xmx512m -Dfile.encoding=UTF-8
ENV APP_ENV=production LOG_LEVEL=debug
