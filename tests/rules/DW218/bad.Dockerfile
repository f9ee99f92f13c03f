FROM opensuse/leap:15.6
RUN zypper --non-interactive install --no-recommends curl 'git>=2.43' && zypper clean --all
RUN zypper -n in -r repo-oss vim
