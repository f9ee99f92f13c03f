FROM opensuse/leap:15.6
RUN zypper --non-interactive refresh && zypper --non-interactive install curl
