FROM opensuse/leap:15.6
RUN zypper refresh && zypper install curl && zypper clean --all
RUN zypper --gpg-auto-import-keys rm vim
