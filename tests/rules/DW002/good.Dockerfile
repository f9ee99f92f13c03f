ARG ALPINE=3.20
FROM alpine:${ALPINE} AS build
RUN --mount=type=cache,target=/var/cache/apk apk add gcc
COPY --link app /app
FROM alpine:${ALPINE}
COPY --from=build /app /app
