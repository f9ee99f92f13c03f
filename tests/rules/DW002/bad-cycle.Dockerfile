FROM alpine:3.20 AS one
COPY --from=two /b /b
FROM alpine:3.20 AS two
COPY --from=one /a /a
