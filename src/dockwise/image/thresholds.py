"""CI thresholds with dive's `.dive-ci` keys and values, applied to dockwise's figures.

The keys, the value syntax (`20MB` is 20,000,000 bytes, `20MiB` binary; `disabled`, `off`, `false` or an
empty value turn a rule off) and the comparisons (`lowestEfficiency > efficiency`, `wastedBytes >
highestWastedBytes`, `userWastedPercent > highestUserWastedPercent`) are dive's. `lowestEfficiency` is
tested against dive's own efficiency score; the two wasted-bytes rules use dockwise's figures, which
count each hidden version once where dive counts every copy, so a file that passes dive passes here.
Unlike dive, a rule is applied only when a file or a flag asks for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockwise.errors import DockwiseError
from dockwise.image.figures import Figures, format_bytes

RULES = ("lowestEfficiency", "highestWastedBytes", "highestUserWastedPercent")
_OFF = ("", "disabled", "off", "false")
_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "ki": 1024,
    "kib": 1024,
    "mi": 1024**2,
    "mib": 1024**2,
    "gi": 1024**3,
    "gib": 1024**3,
    "ti": 1024**4,
    "tib": 1024**4,
}
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*")


class ThresholdError(DockwiseError):
    """A `.dive-ci` file or threshold flag that cannot be understood."""


@dataclass(frozen=True)
class Thresholds:
    lowest_efficiency: float | None = None
    highest_wasted_bytes: int | None = None
    highest_user_wasted_percent: float | None = None

    @property
    def any(self) -> bool:
        return any(
            v is not None
            for v in (self.lowest_efficiency, self.highest_wasted_bytes, self.highest_user_wasted_percent)
        )


@dataclass(frozen=True)
class Verdict:
    rule: str
    status: str
    """"PASS", "FAIL" or "SKIP" (the rule is off)."""
    detail: str


def read_dive_ci(path: Path) -> dict[str, Any]:
    """The `rules:` of a `.dive-ci` file by camelCase name (dive also accepts snake-case keys), unparsed."""
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ThresholdError(f"{path}: cannot read: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise ThresholdError(f"{path}: not YAML: {error}") from None
    rules = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(rules, dict):
        raise ThresholdError(f"{path}: no `rules:` mapping (keys: {', '.join(RULES)})")
    values: dict[str, Any] = {}
    for key, value in rules.items():
        camel = re.sub(r"[-_]([a-z])", lambda m: m.group(1).upper(), str(key))
        camel = camel[:1].lower() + camel[1:]
        if camel not in RULES:
            raise ThresholdError(f"{path}: unknown rule {key!r} (known: {', '.join(RULES)})")
        values[camel] = value
    thresholds(values, where=str(path))  # errors name the file
    return values


def thresholds(values: dict[str, Any], where: str = "threshold") -> Thresholds:
    """Parse raw values by rule name; a missing or `disabled` rule is off."""
    return Thresholds(
        _ratio(values.get(RULES[0]), RULES[0], where),
        _size(values.get(RULES[1]), RULES[1], where),
        _ratio(values.get(RULES[2]), RULES[2], where),
    )


def evaluate(limits: Thresholds, figures: Figures) -> list[Verdict]:
    """PASS, FAIL or SKIP per rule, failing only strictly past the limit, as dive does."""
    rows: list[tuple[float | None, float, bool, Callable[[float], str], Callable[[float], str], str]] = [
        (limits.lowest_efficiency, figures.dive_efficiency, False, _ratio_text, str, "efficiency"),
        (limits.highest_wasted_bytes, figures.wasted, True, _bytes_text, _bytes_text, "wasted"),
        (
            limits.highest_user_wasted_percent,
            figures.user_wasted_percent,
            True,
            _ratio_text,
            str,
            "user wasted",
        ),
    ]
    verdicts = []
    for rule, (limit, value, upper, shown, shown_limit, what) in zip(RULES, rows, strict=True):
        if limit is None:
            verdicts.append(Verdict(rule, "SKIP", "rule disabled"))
            continue
        failed = value > limit if upper else limit > value
        bound = "highest" if upper else "lowest"
        detail = f"{what} {shown(value)}, {bound} allowed {shown_limit(limit)}"
        verdicts.append(Verdict(rule, "FAIL" if failed else "PASS", detail))
    return verdicts


def _bytes_text(value: float) -> str:
    return format_bytes(int(value))


def _ratio_text(value: float) -> str:
    return f"{value:.4f}"


def _off(value: Any) -> bool:
    return value is None or value is False or str(value).strip().lower() in _OFF


def _ratio(value: Any, rule: str, where: str) -> float | None:
    if _off(value):
        return None
    try:
        number = float(str(value))
    except ValueError:
        raise ThresholdError(f"{where}: {rule} must be a number from 0 to 1, not {value!r}") from None
    if not 0 <= number <= 1:
        raise ThresholdError(f"{where}: {rule} must be from 0 to 1, not {number}")
    return number


def _size(value: Any, rule: str, where: str) -> int | None:
    if _off(value):
        return None
    match = _SIZE.fullmatch(str(value))
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ThresholdError(f"{where}: {rule} must be a size such as 20MB or 20MiB, not {value!r}")
    return int(float(match.group(1)) * _UNITS[unit])
