#!/bin/sh
docker run -d -m 512m example/api:1.4
