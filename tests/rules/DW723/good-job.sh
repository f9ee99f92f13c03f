#!/bin/sh
# a job (--rm without -d): its port lives as long as the run
docker run --rm -p 8080:8080 example/e2e-server:1 ./run-suite
