FROM amazonlinux:2023 AS build
ENV JQ_VERSION=1.7.1
RUN yum install -y "jq-${JQ_VERSION}" && yum clean all

FROM amazonlinux:2023
# JQ_VERSION is set in the build stage only: here it is empty, so this installs whatever jq is newest
RUN yum install -y jq-${JQ_VERSION} && yum clean all
