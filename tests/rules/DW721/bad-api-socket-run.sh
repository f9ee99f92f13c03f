#!/bin/sh
docker run --rm --use-api-socket example/builder:1 build
