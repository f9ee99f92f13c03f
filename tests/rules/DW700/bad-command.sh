#!/bin/sh
docker run --memory
