FROM centos:7 AS build
RUN yum install -y gcc
FROM centos:7
RUN yum clean all && yum install -y httpd
RUN yum install -y jq && yum clean all && yum install -y vim
