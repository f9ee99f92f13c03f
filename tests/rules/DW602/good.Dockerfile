FROM node:22 AS build
WORKDIR /app
RUN npm ci
RUN npm run build
# one cd per directory: each says where one step runs
RUN cd /usr/src/lib && ./configure && make && make install
RUN cd /usr/src/tool && make
# temporary directories are never WORKDIR material
RUN cd /tmp && curl -fsSLO https://example.com/a.tgz
RUN cd /tmp && curl -fsSLO https://example.com/b.tgz
# cd later in the RUN is about a directory the RUN itself made
RUN git clone https://example.com/x.git && cd x && make
RUN git clone https://example.com/y.git && cd x && make
# a lone cd is DW601's business
RUN cd /app

FROM node:22-slim
# same directory, but in another stage
RUN cd /app && npm ci --omit=dev
