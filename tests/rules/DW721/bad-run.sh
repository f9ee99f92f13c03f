docker run -v /run/docker.sock:/var/run/docker.sock:ro example/ci
