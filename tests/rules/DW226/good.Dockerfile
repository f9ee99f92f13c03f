FROM opensuse/leap:15.6
RUN zypper --non-interactive install curl && zypper clean --all
RUN zypper -n in git && zypper cc -a
RUN zypper -n in vim && rm -rf /var/cache/zypp/*
RUN --mount=type=cache,target=/var/cache/zypp zypper -n in make
