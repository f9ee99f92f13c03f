FROM golang:1.24 AS tools
RUN go install golang.org/x/tools/gopls@latest \
    && go install -ldflags="-s -w" github.com/go-delve/delve/cmd/dlv@master
FROM golang:1.24
RUN go get github.com/pkg/errors && go run honnef.co/go/tools/cmd/staticcheck@latest ./...
RUN go get -tool example/stringer
