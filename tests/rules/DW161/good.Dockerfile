FROM alpine:3.20 AS build-context
RUN echo
FROM scratch
COPY --from=build-context /etc/os-release /
