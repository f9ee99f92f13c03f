"""hello: a small HTTP service for dockwise's engine tests, standard library only. It answers on :8080,
stops cleanly on SIGTERM, and `app.py --check` asks a running one for /healthz (the image's HEALTHCHECK:
there is no curl in a distroless runtime)."""

import signal
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = 8080


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"ok\n" if self.path == "/healthz" else b"hello from python\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def check() -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2) as response:
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


def serve() -> None:
    server = ThreadingHTTPServer(("", PORT), Handler)
    # shutdown() waits for serve_forever() to return, so it runs in another thread than the one serving
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"listening on :{PORT}", flush=True)
    server.serve_forever()
    server.server_close()
    print("stopped", flush=True)


if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        sys.exit(check())
    serve()
