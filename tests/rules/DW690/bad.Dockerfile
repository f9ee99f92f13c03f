FROM debian:12 AS build
ARG release
ENV prefix=/opt/tool
# the unquoted words sit on continuation lines: each finding points at its own line
RUN mkdir -p $prefix/bin \
    && for name in $(ls /usr/share/tool); do \
         cp /usr/share/tool/$name $prefix/bin/; \
       done \
    && echo "built $release for $target_arch"

RUN <<EOF
set -e
cd /opt/tool
[ $unset_flag = yes ] && echo on
EOF

RUN cat <<EOF >/etc/tool.conf
home=$tool_home
EOF

FROM build AS zsh-stage
SHELL ["/usr/bin/zsh", "-c"]
RUN print -P '%F{green}ok%f'
