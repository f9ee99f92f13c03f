"""OSV fixtures the tests build: records, per-ecosystem zips, and a loopback HTTP server that serves them
the way OSV's bucket does (ETag, If-None-Match → 304), or breaks on purpose."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar


def record(
    id: str,
    ecosystem: str,
    name: str,
    *events: dict[str, str],
    severity: str | None = None,
    aliases: tuple[str, ...] = (),
    withdrawn: bool = False,
    kind: str = "ECOSYSTEM",
    summary: str = "",
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": id,
        "modified": "2026-11-01T00:00:00Z",
        "aliases": list(aliases),
        "summary": summary or f"{id} in {name}",
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [{"type": kind, "events": list(events)}],
            }
        ],
    }
    if severity:
        document["severity"] = [{"type": "CVSS_V3", "score": severity}]
    if withdrawn:
        document["withdrawn"] = "2026-11-02T00:00:00Z"
    return document


CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
MEDIUM = "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:L/A:N"


def osv_zip(records: list[dict[str, Any]]) -> bytes:
    import json

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in records:
            archive.writestr(f"{item['id']}.json", json.dumps(item))
    return buffer.getvalue()


class _Handler(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    requests: ClassVar[list[tuple[str, str | None]]] = []
    short: ClassVar[set[str]] = set()

    def do_GET(self) -> None:
        data = self.files.get(self.path)
        self.requests.append((self.path, self.headers.get("If-None-Match")))
        if data is None:
            self.send_error(404)
            return
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2] if self.path in self.short else data)

    def log_message(self, *_: Any) -> None:
        pass


@contextmanager
def osv_server(files: dict[str, bytes]) -> Iterator[tuple[str, type[_Handler]]]:
    """(base URL, handler class whose `files`, `requests` and `short` the test can change)."""
    handler = type("Handler", (_Handler,), {"files": dict(files), "requests": [], "short": set()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
