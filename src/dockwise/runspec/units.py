"""Docker's spellings of sizes and durations, read into bytes and seconds.

Sizes follow docker/go-units `RAMInBytes` (what `docker run -m` and Compose's `mem_limit` use): a number
with an optional unit b, k, m, g, t, p (with or without a trailing b, any case), in powers of 1024.
Durations follow Go's `time.ParseDuration` (Compose's `stop_grace_period: 1m30s`) and plain numbers of
seconds. Written here because no maintained PyPI package reads exactly these grammars.
"""

from __future__ import annotations

import re

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b?)\s*", re.IGNORECASE)
_SIZE_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class UnitError(ValueError):
    """A size or duration Docker would refuse."""


def parse_size(text: str | int | float) -> int:
    """`512m` → 536870912. A bare number is bytes."""
    if isinstance(text, bool):
        raise UnitError(f"invalid size {text!r}")
    if isinstance(text, int | float):
        return int(text)
    match = _SIZE.fullmatch(text)
    if match is None:
        raise UnitError(f"invalid size {text!r}: expected a number with b, k, m, g, t or p")
    number, unit, _ = match.groups()
    return int(float(number) * 1024 ** _SIZE_POWERS[unit.lower()])


def parse_duration(text: str | int | float) -> float:
    """`1m30s` → 90.0; `10` → 10.0 (seconds)."""
    if isinstance(text, bool):
        raise UnitError(f"invalid duration {text!r}")
    if isinstance(text, int | float):
        return float(text)
    value = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return float(value)
    if value in ("0", ""):
        return 0.0
    position = 0
    total = 0.0
    for part in _DURATION_PART.finditer(value):
        if part.start() != position:
            break
        total += float(part.group(1)) * _DURATION_UNITS[part.group(2)]
        position = part.end()
    if position != len(value) or position == 0:
        raise UnitError(f"invalid duration {text!r}: expected e.g. 30s, 1m30s or 500ms")
    return total
