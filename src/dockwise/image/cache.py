"""Layer scans and image configs cached by content digest, so a layer shared by many images (a base image)
or read again (CI re-runs, `--compare`) is walked once.

Only digests dockwise computed itself are stored: a scan is written under the sha256 of the bytes it read,
never under a name an archive claims, so a forged archive cannot plant results for a real layer. Reads
trust the digest an archive or engine gives for a member (as trivy does); `--no-cache` turns the cache off.

Entries live under `$DOCKWISE_CACHE_DIR`, else `$XDG_CACHE_HOME/dockwise`, else `~/.cache/dockwise`, as
gzipped JSON written atomically; an unreadable entry is a miss, never an error.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
from pathlib import Path

from dockwise.image.layers import SCAN_VERSION, LayerScan

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def default_directory() -> Path:
    configured = os.environ.get("DOCKWISE_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dockwise"


class LayerCache:
    """Scans by blob digest (`sha256:<hex>`) and raw config documents by image ID, in memory and on disk."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._scans: dict[str, LayerScan] = {}
        self._configs: dict[str, bytes] = {}
        self.hits = 0
        self.misses = 0

    def scan(self, digest: str) -> LayerScan | None:
        if not _DIGEST.fullmatch(digest):
            return None
        found = self._scans.get(digest)
        if found is None and self.directory is not None:
            found = self._load_scan(self._path("layers", digest, ".json.gz"))
            if found is not None:
                self._scans[digest] = found
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def store_scan(self, scan: LayerScan) -> None:
        """Keep `scan` under the digest it computed (scans made by seeking have none, and scans without the
        secret scan are partial: neither is kept)."""
        if not _DIGEST.fullmatch(scan.digest) or not scan.complete:
            return
        self._scans[scan.digest] = scan
        if self.directory is not None:
            data = gzip.compress(json.dumps(scan.to_json(), separators=(",", ":")).encode(), compresslevel=1)
            self._write(self._path("layers", scan.digest, ".json.gz"), data)

    def config(self, digest: str) -> bytes | None:
        if not _DIGEST.fullmatch(digest):
            return None
        found = self._configs.get(digest)
        if found is None and self.directory is not None:
            try:
                found = self._path("configs", digest, ".json").read_bytes()
            except OSError:
                return None
            if not _matches(found, digest):
                return None
            self._configs[digest] = found
        return found

    def store_config(self, data: bytes) -> None:
        import hashlib

        digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
        self._configs[digest] = data
        if self.directory is not None:
            self._write(self._path("configs", digest, ".json"), data)

    def _path(self, kind: str, digest: str, suffix: str) -> Path:
        assert self.directory is not None
        version = f"v{SCAN_VERSION}" if kind == "layers" else "v1"
        return self.directory / kind / version / f"{digest.removeprefix('sha256:')}{suffix}"

    @staticmethod
    def _load_scan(path: Path) -> LayerScan | None:
        try:
            document = json.loads(gzip.decompress(path.read_bytes()))
            if document.get("version") != SCAN_VERSION:
                return None
            return LayerScan.from_json(document)
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            return None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        """Atomic: a temporary file in the same directory, renamed over the entry. Failures are ignored
        (a read-only or full cache directory only costs speed)."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as output:
                    output.write(data)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            return


def _matches(data: bytes, digest: str) -> bool:
    import hashlib

    return f"sha256:{hashlib.sha256(data).hexdigest()}" == digest
