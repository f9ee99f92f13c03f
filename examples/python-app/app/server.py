"""A greeting and a health endpoint as a WSGI app: gunicorn serves it in the image, wsgiref locally."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from wsgiref.simple_server import make_server

StartResponse = Callable[[str, list[tuple[str, str]]], object]


def application(environ: dict[str, object], start_response: StartResponse) -> Iterable[bytes]:
    """Answer `/healthz` with ok, anything else with a small JSON document."""
    if environ.get("PATH_INFO") == "/healthz":
        body, content_type = b"ok\n", "text/plain"
    else:
        greeting = os.environ.get("GREETING", "hello")
        body = json.dumps({"service": "python-app", "greeting": greeting}).encode() + b"\n"
        content_type = "application/json"
    start_response("200 OK", [("content-type", content_type), ("content-length", str(len(body)))])
    return [body]


def main() -> None:
    """Serve on $PORT (default 8000) with the standard library, for running without gunicorn."""
    port = int(os.environ.get("PORT", "8000"))
    with make_server("", port, application) as server:
        print(f"python-app listening on {port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
