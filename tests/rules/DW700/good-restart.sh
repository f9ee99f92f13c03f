#!/bin/sh
docker run -d --restart on-failure:5 example/api:1.4
docker run --rm --restart no example/migrate:1.4
docker run -d --restart "$RESTART_POLICY" example/api:1.4
