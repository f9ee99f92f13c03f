RUN echo "runs before any stage"
FROM alpine:3.20 AS Build Stage
COPY --link=yes app /app
