FROM amazonlinux:2
RUN yum install -y httpd-2.4.62 jq-1.5-1.amzn2.0.2 @development ./local.rpm \
        https://example.org/repo.rpm "tool-${TOOL_VERSION}" $PACKAGES \
    && yum groupinstall -y "Development Tools" \
    && yum update -y && yum clean all
RUN yum module install -y nodejs:20 && yum clean all
