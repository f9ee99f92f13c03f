FROM alpine:3.20 AS context
RUN echo
FROM context
