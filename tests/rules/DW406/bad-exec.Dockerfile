FROM scratch
COPY server /server
HEALTHCHECK CMD ["wget", "-q", "-O-", "http://localhost:8080/health"]
CMD ["/server"]
