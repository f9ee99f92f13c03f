"""The local advisory database: OSV records in one SQLite file, looked up by (ecosystem, package name).

One row per `affected[]` entry, keyed by the ecosystem without its release (`Debian`, not `Debian:12`)
and the package name as OSV writes it (PyPI names PEP 503-normalised), with the entry and the record's
shared fields as JSON. A lookup is one indexed query; the JSON is parsed only for the rows it returns.

The database is replaced as a whole, atomically (`dockwise db update` builds a new file beside it and
renames it over), so a reader never sees a half-written one.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dockwise.errors import DockwiseError

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (ecosystem TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, records INTEGER,
                      updated TEXT);
CREATE TABLE advisories (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE affected (advisory TEXT NOT NULL, ecosystem TEXT NOT NULL, base TEXT NOT NULL,
                       name TEXT NOT NULL, entry TEXT NOT NULL);
CREATE INDEX affected_by_package ON affected (base, name);
"""


class DatabaseError(DockwiseError):
    """No database, or one that cannot be read."""


def default_path() -> Path:
    from dockwise.cachedir import default_directory

    return default_directory() / "osv.sqlite"


def normalise(base: str, name: str) -> str:
    """Names as advisories and lookups agree on them (PyPI: PEP 503)."""
    if base == "PyPI":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name


def create(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.executescript(_SCHEMA)
    connection.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
    return connection


def store_records(connection: sqlite3.Connection, ecosystem: str, records: Iterable[dict[str, Any]]) -> int:
    """Replace one ecosystem's advisories by `records` (withdrawn ones are dropped); returns the count."""
    connection.execute("DELETE FROM affected WHERE base = ?", (ecosystem,))
    count = 0
    rows = []
    for record in records:
        if record.get("withdrawn") or not record.get("id"):
            continue
        shared = {
            key: record[key]
            for key in ("id", "aliases", "upstream", "summary", "severity", "database_specific", "modified")
            if key in record
        }
        connection.execute(
            "INSERT OR REPLACE INTO advisories VALUES (?, ?)", (record["id"], json.dumps(shared))
        )
        for affected in record.get("affected") or ():
            package = affected.get("package") or {}
            full = str(package.get("ecosystem", ""))
            base = full.split(":", 1)[0]
            if base != ecosystem or not package.get("name"):
                continue
            rows.append(
                (record["id"], full, base, normalise(base, str(package["name"])), json.dumps(affected))
            )
        count += 1
        if len(rows) > 5000:
            connection.executemany("INSERT INTO affected VALUES (?, ?, ?, ?, ?)", rows)
            rows.clear()
    connection.executemany("INSERT INTO affected VALUES (?, ?, ?, ?, ?)", rows)
    return count


class AdvisoryDatabase:
    """Read-only lookups."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise DatabaseError(f"no advisory database at {path}: run `dockwise db update` first")
        try:
            self._connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            found = self._connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.DatabaseError as error:
            raise DatabaseError(f"{path}: not an advisory database: {error}") from None
        if found is None or found[0] != SCHEMA_VERSION:
            raise DatabaseError(f"{path}: written by another dockwise version: run `dockwise db update`")
        self.path = path
        self._records: dict[str, dict[str, Any]] = {}

    def affected(self, base: str, name: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(advisory id, full ecosystem, affected entry) for a package."""
        rows = self._connection.execute(
            "SELECT advisory, ecosystem, entry FROM affected WHERE base = ? AND name = ?",
            (base, normalise(base, name)),
        )
        for advisory, ecosystem, entry in rows:
            yield advisory, ecosystem, json.loads(entry)

    def record(self, advisory: str) -> dict[str, Any]:
        found = self._records.get(advisory)
        if found is None:
            row = self._connection.execute(
                "SELECT record FROM advisories WHERE id = ?", (advisory,)
            ).fetchone()
            found = json.loads(row[0]) if row else {"id": advisory}
            self._records[advisory] = found
        return found

    def sources(self) -> list[tuple[str, int, str]]:
        return list(
            self._connection.execute("SELECT ecosystem, records, updated FROM sources ORDER BY ecosystem")
        )

    def close(self) -> None:
        self._connection.close()


def replace_atomically(built: Path, target: Path) -> None:
    """`built` becomes `target` in one rename (same directory, so same file system)."""
    os.replace(built, target)
