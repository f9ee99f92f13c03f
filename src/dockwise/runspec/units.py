"""Docker's spellings of sizes and durations, read into bytes and seconds.

Sizes follow docker/go-units `RAMInBytes` (what `docker run -m` and Compose's `mem_limit` use): a number
with an optional unit b, k, m, g, t, p (with or without a trailing b, any case), in powers of 1024.
Durations follow Go's `time.ParseDuration` (Compose's `stop_grace_period: 1m30s`) and plain numbers of
seconds. Written here because no maintained PyPI package reads exactly these grammars. Every bad
value, however large or odd, is a UnitError (never an OverflowError), so callers report it on its line.
"""

from __future__ import annotations

import math
import re

from dockwise.errors import DockwiseError

#: Matched against the stripped text: blanks on both sides in the pattern (`\s*...\s*` around optional
#: groups) made a long run of blanks quadratic.
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b?)", re.IGNORECASE)
_SIZE_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_SECONDS = re.compile(r"\d+(?:\.\d+)?")
_MAX_DIGITS = 40
"""Longer numbers are no size or duration Docker accepts (its values are 64-bit), and Python's int() of a
long decimal string is quadratic."""


class UnitError(DockwiseError, ValueError):
    """A size or duration Docker would refuse."""


def parse_size(text: str | int | float) -> int:
    """`512m` → 536870912. A bare number is bytes."""
    if isinstance(text, bool):
        raise UnitError(f"invalid size {text!r}")
    if isinstance(text, int | float):
        return int(_finite(text, "size"))
    if not isinstance(text, str):
        raise UnitError(f"invalid size {shown(text)}")
    match = _SIZE.fullmatch(text.strip())
    if match is None or len(match.group(1)) > _MAX_DIGITS:
        raise UnitError(f"invalid size {shown(text)}: expected a number with b, k, m, g, t or p")
    number, unit, _ = match.groups()
    return int(_finite(float(number) * 1024 ** _SIZE_POWERS[unit.lower()], "size"))


def parse_duration(text: str | int | float) -> float:
    """`1m30s` → 90.0; `10` → 10.0 (seconds)."""
    if isinstance(text, bool):
        raise UnitError(f"invalid duration {text!r}")
    if isinstance(text, int | float):
        return _finite(float(text), "duration")
    if not isinstance(text, str):
        raise UnitError(f"invalid duration {shown(text)}")
    value = text.strip()
    if _SECONDS.fullmatch(value):
        return _finite(float(value), "duration")
    if value in ("0", ""):
        return 0.0
    position = 0
    total = 0.0
    while position < len(value):
        # Each part is matched where the last one ended (finditer searched ahead from every position
        # after a bad part, quadratic in a long run of digits).
        part = _DURATION_PART.match(value, position)
        if part is None:
            break
        total += float(part.group(1)) * _DURATION_UNITS[part.group(2)]
        position = part.end()
    if position != len(value) or position == 0:
        raise UnitError(f"invalid duration {shown(text)}: expected e.g. 30s, 1m30s or 500ms")
    return _finite(total, "duration")


def parse_number(text: object, what: str = "number") -> float:
    """A finite number (`--cpus 1.5`, `cpus: "0.5"`); booleans, NaN and infinities are refused."""
    if isinstance(text, bool) or not isinstance(text, int | float | str):
        raise UnitError(f"invalid {what} {shown(text)}")
    if isinstance(text, str) and len(text.strip()) > _MAX_DIGITS:
        raise UnitError(f"invalid {what} {shown(text)}")
    try:
        return _finite(float(text), what)
    except ValueError:
        raise UnitError(f"invalid {what} {shown(text)}") from None


def parse_integer(text: object, what: str = "integer") -> int:
    """A whole number (`--pids-limit 100`, `retries: 3`); `1.5`, `x` and booleans are refused."""
    if isinstance(text, bool) or not isinstance(text, int | float | str):
        raise UnitError(f"invalid {what} {shown(text)}")
    if isinstance(text, int):
        return text
    number = parse_number(text, what)
    if isinstance(text, str):
        try:
            return int(text.strip())
        except ValueError:
            raise UnitError(f"invalid {what} {shown(text)}: expected a whole number") from None
    if not number.is_integer():
        raise UnitError(f"invalid {what} {shown(text)}: expected a whole number")
    return int(number)


def _finite(number: float, what: str) -> float:
    if not math.isfinite(number):
        raise UnitError(f"invalid {what}: {number} is out of range")
    return number


def shown(value: object) -> str:
    """The value for a message, cut short: a 1 MB value must not become a 1 MB line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
