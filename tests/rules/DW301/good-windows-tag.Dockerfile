FROM golang:windowsservercore
CMD go run .
