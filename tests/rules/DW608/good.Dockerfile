FROM ubuntu:24.04
# a service started and used within the same RUN
RUN service mysql start && mysql < /docker-entrypoint-initdb.d/init.sql && service mysql stop
RUN /etc/init.d/postgresql start && psql -c 'CREATE DATABASE app' && /etc/init.d/postgresql stop
# a process started earlier in the same RUN may be stopped
RUN (./server &) && sleep 2 && curl -f http://localhost:8080/ && pkill server
# editors run as scripts
RUN vim -es -c 'set ff=unix' -c 'wq' /etc/app.conf
RUN vim +PlugInstall +qall
RUN nvim --headless +PlugInstall +qa
# ssh and mount with what they need
RUN --mount=type=ssh ssh -T git@github.com || true
RUN --security=insecure mount -t tmpfs tmpfs /mnt
# installing packages named like the commands, and ssh-keygen
RUN apt-get update && apt-get install -y --no-install-recommends vim openssh-client procps \
 && ssh-keygen -A && rm -rf /var/lib/apt/lists/*
RUN systemctl enable nginx
CMD ["nginx", "-g", "daemon off;"]
