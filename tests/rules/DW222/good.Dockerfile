FROM opensuse/leap:15.6
RUN zypper --non-interactive install curl && zypper -n in git && zypper in -y vim \
    && zypper install --no-confirm make && zypper refresh && zypper clean --all
