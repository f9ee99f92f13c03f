#!/bin/sh
docker run -d --stop-signal KILL example/worker:2
