#!/bin/sh
docker run -d --pids-limit 100 example/api:1.4
