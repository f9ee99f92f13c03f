docker run --privileged example/api:1.4
