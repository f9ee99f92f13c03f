FROM fedora:41
RUN dnf install -y --setopt=install_weak_deps=False nginx && dnf clean all
FROM registry.access.redhat.com/ubi9/ubi-minimal
RUN microdnf install -y --nodocs shadow-utils && microdnf clean all
RUN tdnf install -y tar && tdnf clean all
RUN dnf module install -y postgresql && dnf clean all
