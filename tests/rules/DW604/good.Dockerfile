FROM debian:12-slim
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \
    https://example.com/install.sh /tmp/install.sh
RUN sh /tmp/install.sh && rm /tmp/install.sh
RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \
 && echo "24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d  /tmp/install.sh" | sha256sum -c - \
 && sh /tmp/install.sh
# piping data, not a script
RUN curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /opt
RUN curl -fsSL https://api.example.com/release | python3 -c 'import json, sys; print(json.load(sys.stdin)["tag"])'
RUN curl -fsSL https://example.com/key.asc | gpg --dearmor -o /usr/share/keyrings/example.gpg
# the download goes to a file, the shell runs a local script
RUN curl -fsSL -o /tmp/data.json https://example.com/data.json | sh ./local.sh
RUN wget https://example.com/tool.tar.gz | sh
# the downloaded text is an argument, not code
RUN sh ./install.sh "$(curl -fsSL https://example.com/VERSION)"
