FROM scratch
COPY --from=busybox:1.36-musl /bin/wget /bin/wget
COPY server /server
HEALTHCHECK CMD ["wget", "-q", "-O-", "http://localhost:8080/health"]
CMD ["/server"]
