FROM golang:1.24
WORKDIR /src
COPY . .
RUN go install golang.org/x/tools/gopls@v0.17.1 \
    && go install ./cmd/... \
    && go install github.com/example/tool/cmd/tool \
    && go get github.com/pkg/errors@v0.9.1 \
    && go get -d -v ./... \
    && go run ./cmd/gen github.com/not/a/package \
    && go install "github.com/x/y@${Y_VERSION}" \
    && go build -o /out/app . && go mod download
