FROM scratch
LABEL a='$X'
ENV x='$X'
