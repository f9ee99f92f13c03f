FROM fedora:41
RUN dnf install -y nginx && dnf -y upgrade && dnf module enable -y nodejs:20 && dnf clean all
RUN dnf makecache && dnf repolist && dnf module list
FROM registry.access.redhat.com/ubi9/ubi-minimal
RUN microdnf install shadow-utils && microdnf clean all
