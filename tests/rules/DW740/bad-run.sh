docker run -e API_TOKEN=abc123 example/api:1.4
