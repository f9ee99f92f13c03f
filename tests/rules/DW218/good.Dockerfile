FROM opensuse/leap:15.6
RUN zypper --non-interactive install curl=8.6.0 'git>=2.43' ./local.rpm $PACKAGES \
    && zypper -n install -t pattern devel_basis \
    && zypper clean --all
