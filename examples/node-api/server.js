"use strict";

const http = require("http");

const port = Number(process.env.PORT || 3000);
const started = Date.now();

const server = http.createServer((request, response) => {
  if (request.url === "/healthz") {
    response.writeHead(200, { "content-type": "text/plain" });
    response.end("ok\n");
    return;
  }
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify({ service: "node-api", uptime_ms: Date.now() - started }) + "\n");
});

server.listen(port, () => console.log(`node-api listening on ${port}`));
