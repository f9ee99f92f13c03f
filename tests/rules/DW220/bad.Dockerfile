FROM centos:7 AS build
RUN yum install gcc && yum clean all
FROM centos:7
RUN yum -q update \
    && yum --enablerepo=epel groupinstall "Development Tools" \
    && yum -y install jq; yum remove vim-minimal; yum clean all
