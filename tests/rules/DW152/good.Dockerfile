FROM node:22 AS web
COPY web/ web/
RUN cd web && npm ci && npm run build

FROM golang:1.22 AS build
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /app . && gcc -o /hook hook.c
COPY --from=web /web/dist /static

FROM build AS test
RUN go test ./...
