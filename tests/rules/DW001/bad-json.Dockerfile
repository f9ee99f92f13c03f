FROM alpine:3.20
CMD ["sleep", 3600]
