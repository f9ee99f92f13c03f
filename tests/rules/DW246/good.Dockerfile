FROM golang:1.24 AS build
WORKDIR /src
RUN go mod download && go build -o /out/app .
FROM golang:1.24
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app .
RUN go install ./cmd/tool && go clean -cache -modcache
RUN go build -o /app2 . && rm -rf /go/pkg /root/.cache
RUN go version && go env
CMD ["/app"]
