"""`dockwise db update`: OSV's per-ecosystem exports (`<base>/<Ecosystem>/all.zip`) into the local database.

* Incremental: each ecosystem's ETag and Last-Modified are kept, and the next update asks with
  If-None-Match / If-Modified-Since; a 304 keeps what is there.
* Checked: the download must have the length the server announced, and every zip member its CRC
  (`testzip`) and valid JSON, before anything is imported.
* Atomic: the new database is built in a temporary file beside the old one (a copy of it, so ecosystems
  not updated stay) and renamed over it only when every ecosystem succeeded; a failure leaves the old
  database as it was.
* Offline: `--from-dir` imports zips already downloaded (`<Ecosystem>.zip` or `<Ecosystem>/all.zip`).

`DOCKWISE_OSV_URL` points the download elsewhere (a mirror, or the tests' local server).
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import os
import shutil
import sqlite3
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockwise.vulndb.store import DatabaseError, create, replace_atomically, store_records

DEFAULT_URL = "https://osv-vulnerabilities.storage.googleapis.com"
ECOSYSTEMS = ("Debian", "Alpine", "Ubuntu", "PyPI", "npm", "Go", "crates.io", "Maven")
CHUNK = 1 << 20
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Outcome:
    ecosystem: str
    status: str
    """"updated", "unchanged" (the server said 304) or "imported" (from a directory)."""
    records: int = 0


Progress = Callable[[str, int | None, int], None]
"""(ecosystem, total bytes or None, bytes so far) while downloading."""


def update(
    database: Path,
    ecosystems: Sequence[str] = ECOSYSTEMS,
    from_dir: Path | None = None,
    progress: Progress | None = None,
) -> list[Outcome]:
    database.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=database.parent, prefix=".osv-", suffix=".sqlite")
    os.close(handle)
    built = Path(temporary)
    outcomes = []
    try:
        if database.is_file():
            shutil.copyfile(database, built)
            connection = sqlite3.connect(built)
        else:
            built.unlink()
            connection = create(built)
        with contextlib.closing(connection):
            for ecosystem in ecosystems:
                outcomes.append(_update_one(connection, ecosystem, from_dir, progress, database.parent))
            connection.commit()
        replace_atomically(built, database)
    except (OSError, sqlite3.DatabaseError, zipfile.BadZipFile) as error:
        raise DatabaseError(f"the update failed, the database is unchanged: {error}") from None
    finally:
        built.unlink(missing_ok=True)
    return outcomes


def _update_one(
    connection: sqlite3.Connection,
    ecosystem: str,
    from_dir: Path | None,
    progress: Progress | None,
    scratch: Path,
) -> Outcome:
    if from_dir is not None:
        source = next(
            (p for p in (from_dir / f"{ecosystem}.zip", from_dir / ecosystem / "all.zip") if p.is_file()),
            None,
        )
        if source is None:
            raise DatabaseError(f"{from_dir}: no {ecosystem}.zip or {ecosystem}/all.zip")
        count = _import(connection, ecosystem, source)
        _remember(connection, ecosystem, None, None, count)
        return Outcome(ecosystem, "imported", count)
    known = connection.execute(
        "SELECT etag, last_modified FROM sources WHERE ecosystem = ?", (ecosystem,)
    ).fetchone()
    handle, temporary = tempfile.mkstemp(dir=scratch, prefix=f".{ecosystem}-", suffix=".zip")
    os.close(handle)
    download = Path(temporary)
    try:
        headers = _download(ecosystem, download, known, progress)
        if headers is None:
            return Outcome(ecosystem, "unchanged")
        count = _import(connection, ecosystem, download)
        _remember(connection, ecosystem, headers.get("ETag"), headers.get("Last-Modified"), count)
        return Outcome(ecosystem, "updated", count)
    finally:
        download.unlink(missing_ok=True)


def _download(
    ecosystem: str, target: Path, known: tuple[str | None, str | None] | None, progress: Progress | None
) -> Any:
    """The response headers, or None for 304 Not Modified."""
    base = os.environ.get("DOCKWISE_OSV_URL", DEFAULT_URL).rstrip("/")
    url = f"{base}/{urllib.parse.quote(ecosystem)}/all.zip"
    request = urllib.request.Request(url, headers={"User-Agent": "dockwise"})
    if known is not None:
        if known[0]:
            request.add_header("If-None-Match", known[0])
        if known[1]:
            request.add_header("If-Modified-Since", known[1])
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return None
        raise DatabaseError(f"{url}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise DatabaseError(f"{url}: {error.reason}") from None
    length = response.headers.get("Content-Length")
    total = int(length) if length and length.isdecimal() else None
    done = 0
    try:
        with response, target.open("wb") as output:
            while chunk := response.read(CHUNK):
                output.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(ecosystem, total, done)
    except http.client.HTTPException as error:  # IncompleteRead: the connection closed early
        raise DatabaseError(f"{url}: the download broke off after {done} bytes: {error!r}") from None
    if total is not None and done != total:
        raise DatabaseError(f"{url}: the download stopped at {done} of {total} bytes")
    return response.headers


def _import(connection: sqlite3.Connection, ecosystem: str, source: Path) -> int:
    try:
        with zipfile.ZipFile(source) as archive:
            broken = archive.testzip()
            if broken is not None:
                raise DatabaseError(f"{source.name}: {broken} fails its CRC check (a corrupt download)")
            records = list(_records(archive, source))
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise DatabaseError(f"{ecosystem}: the zip is corrupt: {error}") from None
    return store_records(connection, ecosystem, records)


def _records(archive: zipfile.ZipFile, source: Path) -> Iterator[dict[str, Any]]:
    for member in archive.infolist():
        if not member.filename.endswith(".json"):
            continue
        try:
            record = json.loads(archive.read(member))
        except ValueError as error:
            raise DatabaseError(f"{source}: {member.filename} is not JSON: {error}") from None
        if isinstance(record, dict):
            yield record


def _remember(
    connection: sqlite3.Connection, ecosystem: str, etag: str | None, modified: str | None, count: int
) -> None:
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    connection.execute(
        "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?)", (ecosystem, etag, modified, count, now)
    )
