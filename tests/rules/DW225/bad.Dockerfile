FROM registry.access.redhat.com/ubi9/ubi-minimal
RUN microdnf install -y nginx
RUN dnf install -y git && dnf clean metadata
