#!/bin/sh
# a lone container port: a random host port on every interface
docker run -d -p 127.0.0.1:5432:5432 \
  -p 9090 example/metrics:3
