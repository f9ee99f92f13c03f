FROM registry.access.redhat.com/ubi9/ubi-minimal
RUN microdnf install -y nginx
RUN dnf install -y git && dnf clean metadata
RUN dnf -y up-min
RUN dnf install -y git && microdnf clean all
