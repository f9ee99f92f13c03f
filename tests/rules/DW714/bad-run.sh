#!/bin/sh
# several --security-opt: the finding is at the one that turns seccomp off
docker run -d \
  --security-opt no-new-privileges \
  --security-opt seccomp=unconfined \
  example/api:1.4
