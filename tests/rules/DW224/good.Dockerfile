FROM centos:7 AS build
RUN yum install -y gcc
FROM centos:7
RUN yum install -y httpd && yum clean all
RUN yum -y update && yum -y install jq && rm -rf /var/cache/yum
RUN yum install -y vim; rm -rf /var/cache/*
RUN --mount=type=cache,target=/var/cache/yum yum install -y make
RUN yum remove -y vim-minimal
RUN <<EOF
yum install -y git
dnf clean all
EOF
