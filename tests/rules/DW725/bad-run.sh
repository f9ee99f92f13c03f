#!/bin/sh
docker run -d \
  --mount type=bind,source=/var/lib/kubelet,target=/var/lib/kubelet,bind-propagation=rshared \
  example/csi-node:1
