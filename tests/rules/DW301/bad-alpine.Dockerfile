FROM node:22-alpine AS build
RUN echo build
FROM alpine:3.20
RUN apk add --no-cache tini
COPY --from=build /x /x
EXPOSE 80
CMD ["/x"]
