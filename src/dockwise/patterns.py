"""`LazyPattern`: a regular expression compiled the first time it is used, not when its module is imported.

Compiling costs 0.05 to 0.4 ms an expression, paid by every process at import; for the expressions only an
unusual Dockerfile reaches (a semver label, a requirements file with includes, a scripted editor), a one-file
`dockwise lint` would pay for nothing. Expressions that nearly every file reaches stay plain `re.compile`:
this indirection costs a call each time it is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any


class LazyPattern:
    """The `re.Pattern` methods dockwise uses, on an expression compiled on first use."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def match(self, string: str, pos: int = 0) -> re.Match[str] | None:
        return self.compiled.match(string, pos)

    def fullmatch(self, string: str) -> re.Match[str] | None:
        return self.compiled.fullmatch(string)

    def search(self, string: str) -> re.Match[str] | None:
        return self.compiled.search(string)

    def findall(self, string: str) -> list[Any]:
        return self.compiled.findall(string)

    def finditer(self, string: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string)

    def sub(self, replacement: str | Callable[[re.Match[str]], str], string: str) -> str:
        return self.compiled.sub(replacement, string)
