"""Accepted advisories: `.dockwiseignore`, and trivy's `.trivyignore` read the same way.

One advisory ID (or an alias: a CVE ID silences the Debian or GHSA record that names it) per line, `#`
starts a comment, and `exp:YYYY-MM-DD` after the ID makes the acceptance lapse after that day, so a
risk accepted for a while comes back on its own:

    CVE-2023-44487 exp:2026-12-31   # HTTP/2 rapid reset: not reachable, no HTTP/2 listener
    GHSA-xxxx-yyyy-zzzz
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from dockwise.errors import DockwiseError

FILES = (".dockwiseignore", ".trivyignore")
_EXPIRY = re.compile(r"^exp:(\d{4}-\d{2}-\d{2})$")


class IgnoreFileError(DockwiseError):
    """A line of an ignore file that cannot be read."""


@dataclass(frozen=True)
class Ignore:
    advisory: str
    expires: datetime.date | None
    where: str


def read_ignores(path: Path) -> list[Ignore]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise IgnoreFileError(f"{path}: cannot read: {error.strerror or error}") from None
    ignores = []
    for number, line in enumerate(lines, 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        expires = None
        for word in words[1:]:
            match = _EXPIRY.match(word)
            if match is None:
                raise IgnoreFileError(f"{path}:{number}: expected `ID [exp:YYYY-MM-DD]`, found {word!r}")
            try:
                expires = datetime.date.fromisoformat(match.group(1))
            except ValueError:
                raise IgnoreFileError(f"{path}:{number}: {match.group(1)} is not a date") from None
        ignores.append(Ignore(words[0], expires, f"{path}:{number}"))
    return ignores


def find_ignore_files(directory: Path) -> list[Path]:
    return [directory / name for name in FILES if (directory / name).is_file()]


def active(ignores: list[Ignore], today: datetime.date | None = None) -> tuple[set[str], list[Ignore]]:
    """(IDs to ignore, expired entries) on `today`."""
    today = today or datetime.date.today()
    expired = [ignore for ignore in ignores if ignore.expires is not None and ignore.expires < today]
    return {ignore.advisory for ignore in ignores if ignore not in expired}, expired
