docker run --rm example/job:1
