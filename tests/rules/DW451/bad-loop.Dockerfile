FROM node:22
CMD ["sh", "-c", "while true; do ./job; sleep 60; done"]
