FROM alpine:3.20
RUN --network=none make test
RUN --security=sandbox echo fine
