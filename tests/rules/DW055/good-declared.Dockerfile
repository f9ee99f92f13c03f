# `ARG SUFFIX` with no value declares SUFFIX (empty unless --build-arg sets it): not undefined.
FROM scratch
ARG SUFFIX
COPY app${SUFFIX} /app
