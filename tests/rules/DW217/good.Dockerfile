FROM registry.access.redhat.com/ubi9/ubi-minimal
RUN microdnf install -y nginx-1.24.0 @nodejs:20 "shadow-utils-${SHADOW_VERSION}" /tmp/pkg.rpm \
    && dnf install -y --repo fedora curl-8.9.1-2.fc41 \
    && dnf module enable -y nodejs:20 && microdnf clean all
