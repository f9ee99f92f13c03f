FROM python:3.12-slim
ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D
ARG SWIFT_SIGNING_KEY=E813C892820A6FA13755B268F167DF1ACF9CE069
ENV PASSWORD_FILE=/run/secrets/db_password
ARG TOKEN_TTL_SECONDS=3600
ENV AWS_ACCESS_KEY_ID_PATH=/etc/aws
ARG MIRROR=https://mirror.example.com/debian
RUN --mount=type=secret,id=pip,target=/root/.config/pip/pip.conf pip install --no-cache-dir app
# a PGP fingerprint handed to gpg: public, whatever its name says
ARG LLVM_KEY=6084F3CF814B57C1CF12EFD515CF4D18AF4F7421
RUN gpg --batch --keyserver keyserver.ubuntu.com --recv-keys "$LLVM_KEY"
