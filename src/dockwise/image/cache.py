"""Layer scans and image configs cached by content digest, so a layer shared by many images (a base image)
or read again (CI re-runs, `--compare`) is walked once.

Trust model. An entry is written only from bytes dockwise read itself: a scan is stored under the sha256 of
the blob it read (`digest`) and found again through the sha256 of the tar stream inside it (`diff_id`),
both computed while reading, never taken from a name or a manifest. So an entry is always a true account
of the bytes that hash to its key. What an input *claims* is another matter: a `docker save` archive or an
OCI layout is made by whoever sent it, and its config can name the diff_id of a layer seen before (a common
base layer's is public) while carrying other bytes: a secret, a setuid binary, anything. The cache may
therefore answer for a layer only when

* dockwise verified the digest in this run: it hashed the layer's blob and the hash is the entry's blob
  digest (the bytes are those the entry describes; their diff_id is then the entry's, and is compared with
  the config's like any other). Hashing reads the blob once at a few hundred MB/s without inflating it,
  far cheaper than the walk; or
* the engine vouches for it: an image read from the Docker Engine (`dockwise.engine.images`) is the
  daemon's own, and the daemon computed every diff_id when it pulled, loaded or built the layer, so its
  `RootFS.Layers` (and the names it gives blobs in its `docker save` stream) are answered from the cache
  with no read at all.

Anything else is read in full and checked (`archive.py`: blob digests, sizes, diff_ids) before it is
stored. `--no-cache` turns the cache off.

Entries live under `$DOCKWISE_CACHE_DIR`, else `$XDG_CACHE_HOME/dockwise`, else `~/.cache/dockwise`: each
scan as gzipped JSON named by its blob digest, and a small file per diff_id naming that blob digest (when
the blob is compressed, the two differ), all written atomically; an unreadable entry is a miss, never an
error. The cache directory is the user's own, trusted like the rest of their home directory.
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


class LayerCache:
    """Scans by blob digest and by diff_id (`sha256:<hex>`), and raw config documents by image ID, in
    memory and on disk. `scan` finds an entry; whether it may answer for a given input is the caller's
    decision, by the trust model above."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._scans: dict[str, LayerScan] = {}
        self._blob_of: dict[str, str] = {}
        """diff_id → blob digest, for scans of compressed blobs."""
        self._configs: dict[str, bytes] = {}
        self.hits = 0
        self.misses = 0

    def scan(self, digest: str) -> LayerScan | None:
        """The scan of the blob whose digest, or whose tar stream's digest (diff_id), is `digest`."""
        if not _DIGEST.fullmatch(digest):
            return None
        found = self._scan_by_blob(digest)
        if found is None:
            blob = self._blob_of.get(digest) or self._load_alias(digest)
            if blob is not None:
                found = self._scan_by_blob(blob)
                if found is not None and found.diff_id != digest:
                    found = None
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def store_scan(self, scan: LayerScan) -> None:
        """Keep `scan` under the digests it computed. Scans without both digests, and scans without the
        secret scan (partial), are not kept."""
        if not (_DIGEST.fullmatch(scan.digest) and _DIGEST.fullmatch(scan.diff_id)) or not scan.complete:
            return
        self._scans[scan.digest] = scan
        if scan.diff_id != scan.digest:
            self._blob_of[scan.diff_id] = scan.digest
        if self.directory is not None:
            data = gzip.compress(json.dumps(scan.to_json(), separators=(",", ":")).encode(), compresslevel=1)
            self._write(self._path("layers", scan.digest, ".json.gz"), data)
            if scan.diff_id != scan.digest:
                self._write(self._path("diff-ids", scan.diff_id, ""), scan.digest.encode())

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

    def _scan_by_blob(self, digest: str) -> LayerScan | None:
        found = self._scans.get(digest)
        if found is None and self.directory is not None:
            found = self._load_scan(self._path("layers", digest, ".json.gz"))
            if found is not None and found.digest == digest:
                self._scans[digest] = found
            else:
                found = None
        return found

    def _load_alias(self, diff_id: str) -> str | None:
        if self.directory is None:
            return None
        try:
            blob = self._path("diff-ids", diff_id, "").read_text(encoding="ascii").strip()
        except (OSError, ValueError):
            return None
        if not _DIGEST.fullmatch(blob):
            return None
        self._blob_of[diff_id] = blob
        return blob

    def _path(self, kind: str, digest: str, suffix: str) -> Path:
        assert self.directory is not None
        version = f"v{SCAN_VERSION}" if kind != "configs" else "v1"
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
