FROM postgres:16
COPY docker-entrypoint.sh /usr/local/bin/
ENTRYPOINT ["docker-entrypoint.sh"]
CMD postgres -c \
    shared_buffers=256MB
