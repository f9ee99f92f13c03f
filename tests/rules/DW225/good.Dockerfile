FROM fedora:41 AS build
RUN dnf install -y gcc
FROM registry.access.redhat.com/ubi9/ubi-minimal
RUN microdnf install -y nginx && microdnf clean all
RUN dnf install -y git && rm -rf /var/cache/dnf /var/cache/yum
RUN --mount=type=cache,target=/var/cache/libdnf5 dnf5 install -y make
RUN tdnf install -y tar && tdnf clean all
