FROM node:22-slim
RUN npm install -g typescript @angular/cli@19.1.0 \
    && npm i --global pnpm@latest \
    && npm add --loglevel warn @scope/tool
RUN npm install git+https://example.org/team/tool.git git://example.org/team/other.git
