FROM golang:1.22 AS build
RUN apt-get update && apt-get install -y nodejs npm
COPY web/ web/
RUN cd web && npm ci && npm run build
COPY . .
RUN go build -o /app .

FROM build AS python-tools
RUN pip install -r requirements.txt
