FROM postgres:17
HEALTHCHECK --interval=10s CMD pg_isready -U app || exit 2
