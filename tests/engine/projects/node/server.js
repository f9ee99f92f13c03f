// hello: a small HTTP service for dockwise's engine tests; its one dependency is vendored (no registry).
// It answers on :8080, stops cleanly on SIGTERM, and `server.js --check` asks a running one for /healthz
// (the image's HEALTHCHECK: there is no curl in a distroless runtime).
"use strict";
const http = require("http");
const { greeting } = require("greeting");

const PORT = 8080;

if (process.argv.includes("--check")) {
  const request = http.get({ host: "127.0.0.1", port: PORT, path: "/healthz", timeout: 2000 }, (response) => {
    process.exit(response.statusCode === 200 ? 0 : 1);
  });
  request.on("error", () => process.exit(1));
  request.on("timeout", () => process.exit(1));
} else {
  const server = http.createServer((request, response) => {
    response.end(request.url === "/healthz" ? "ok\n" : greeting("node"));
  });
  server.listen(PORT, () => console.log(`listening on :${PORT}`));
  process.on("SIGTERM", () => server.close(() => console.log("stopped")));
}
