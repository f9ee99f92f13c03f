FROM rockylinux:9 AS build
RUN yum install -y --setopt=tsflags=nodocs gcc-c++ make-4.3 && yum clean all
FROM amazonlinux:2
RUN yum install -y --enablerepo epel jq && yum clean all
RUN yum module install -y nodejs && yum clean all
