FROM opensuse/tumbleweed
RUN zypper --non-interactive dist-upgrade && zypper clean --all
FROM opensuse/leap:15.6
RUN zypper --non-interactive patch && zypper --non-interactive update && zypper clean --all
