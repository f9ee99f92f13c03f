FROM fedora:41
RUN dnf install nginx && dnf clean all
RUN dnf -y install git && dnf module enable nodejs:20 && dnf autoremove && dnf clean all
FROM photon:5.0
RUN tdnf upgrade && tdnf clean all
