FROM alpine:3.20 AS base
ARG app_version

FROM alpine:3.20
# a new stage that is not built FROM base does not see its ARG
RUN echo "installing $app_version"
