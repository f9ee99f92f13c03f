FROM golang:1.24
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /usr/local/bin/app . && rm -rf /root/.cache/go-build
CMD ["app"]
