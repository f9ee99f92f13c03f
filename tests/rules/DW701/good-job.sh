#!/bin/sh
# a one-off container that runs to completion (--rm without -d): a job, not a service
docker run --rm -v "$PWD:/src" example/builder:1 make test
