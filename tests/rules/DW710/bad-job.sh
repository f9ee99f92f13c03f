#!/bin/sh
# a job still may not take over the host
docker run --rm --privileged example/builder:1 make image
