#!/bin/sh
docker run -d --restart=allways example/api:1.4
docker run --rm --restart unless-stopped example/migrate:1.4
docker run -d --restart always:5 example/api:1.4
