FROM centos:7
RUN yum -y update && yum install -y httpd && yum --assumeyes install jq \
    && yum -qy install vim && yum install --setopt=assumeyes=1 make \
    && yum group install -y "Development Tools" && yum group list && yum makecache \
    && yum clean all
