# The ARG default makes no valid image ("alpine:"), but the build passes --build-arg ALPINE_TAG=alpine:3.20:
# DW168 warns about the default; the build itself does not fail.
ARG ALPINE_TAG="alpine:"
FROM ${ALPINE_TAG}
RUN echo built
