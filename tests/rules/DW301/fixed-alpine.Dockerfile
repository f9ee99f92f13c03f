FROM node:22-alpine AS build
RUN echo build
FROM alpine:3.20
RUN apk add --no-cache tini
COPY --from=build /x /x
RUN addgroup -S -g 10001 app && adduser -S -D -H -u 10001 -G app app
USER 10001:10001
EXPOSE 80
CMD ["/x"]
