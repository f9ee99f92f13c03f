#!/bin/sh
docker run -d --health-cmd 'wget -qO- http://localhost/ || true' example/web:2
