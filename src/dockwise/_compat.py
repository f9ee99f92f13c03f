"""Small shims so dockwise runs on Python 3.10 as well as on 3.11+."""

from __future__ import annotations

import enum
import sys

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - exercised only on 3.10

    class StrEnum(str, enum.Enum):
        """`enum.StrEnum` for Python 3.10: members are their string values."""

        def __str__(self) -> str:
            return str(self.value)


__all__ = ["StrEnum"]
