#!/bin/sh
docker run --health-interval x nginx
docker run --privileged nginx
