"""Whether a version is affected by one OSV `affected[]` entry, as the OSV schema's evaluation section
defines it: listed in `versions`, or inside a range, walking the range's events in version order
(`introduced` opens, `fixed` closes before, `last_affected` closes after, `limit` bounds the walk).

Only ECOSYSTEM and SEMVER ranges are evaluated (GIT ranges name commits, not versions). Severity comes
from the CVSS vectors (`cvss` computes the base score), else the GHSA rating, else the distribution's
urgency.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

from dockwise.vulndb.versions import VersionError, compare

SEVERITIES = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")
_GHSA = {"LOW": "LOW", "MODERATE": "MEDIUM", "MEDIUM": "MEDIUM", "HIGH": "HIGH", "CRITICAL": "CRITICAL"}
_URGENCY = {
    "unimportant": "LOW",
    "low": "LOW",
    "medium": "MEDIUM",
    "high": "HIGH",
    "critical": "CRITICAL",
}


class Verdict(NamedTuple):
    affected: bool
    fixed: str | None
    """The version that fixes it, when the matching range names one."""


def evaluate(affected: dict[str, Any], ecosystem: str, version: str) -> Verdict:
    """Is `version` affected by this `affected[]` entry? VersionError when the versions cannot be ordered."""
    if version in (affected.get("versions") or ()):
        return Verdict(True, _first_fixed(affected))
    order: Callable[[str, str], int] = lambda a, b: compare(ecosystem, a, b)  # noqa: E731
    for range_ in affected.get("ranges") or ():
        if not isinstance(range_, dict) or range_.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        events = [e for e in range_.get("events") or () if isinstance(e, dict) and len(e) == 1]
        verdict = _in_range(events, version, order)
        if verdict.affected:
            return verdict
    return Verdict(False, None)


def _in_range(events: list[dict[str, str]], version: str, order: Callable[[str, str], int]) -> Verdict:
    limits = [e["limit"] for e in events if "limit" in e and e["limit"] != "*"]
    if limits and not any(order(version, limit) < 0 for limit in limits):
        return Verdict(False, None)
    affected = False
    fixed: str | None = None
    for kind, value in sorted(
        ((k, v) for e in events for k, v in e.items() if k != "limit"), key=_key(order)
    ):
        if kind == "introduced" and (value == "0" or order(value, version) <= 0):
            affected, fixed = True, None
        elif kind == "fixed" and order(value, version) <= 0:  # noqa: SIM114 (the schema's steps, apart)
            affected = False
        elif kind == "last_affected" and order(value, version) < 0:
            affected = False
        elif kind == "fixed" and affected and fixed is None:
            fixed = value
    return Verdict(affected, fixed if affected else None)


def _key(order: Callable[[str, str], int]) -> Any:
    """Events sorted by version ("0" first); an event whose version cannot be ordered raises."""

    def by_version(a: tuple[str, str], b: tuple[str, str]) -> int:
        if a[1] == b[1]:
            return 0
        if a[1] == "0":
            return -1
        if b[1] == "0":
            return 1
        return order(a[1], b[1])

    return functools.cmp_to_key(by_version)


def _first_fixed(affected: dict[str, Any]) -> str | None:
    for range_ in affected.get("ranges") or ():
        for event in (range_.get("events") or ()) if isinstance(range_, dict) else ():
            if isinstance(event, dict) and "fixed" in event:
                return str(event["fixed"])
    return None


def severity(record: dict[str, Any], affected: dict[str, Any]) -> tuple[str, float | None]:
    """(rating, CVSS base score or None): the affected entry's own severity, then the record's, then the
    GHSA rating, then the distribution's urgency."""
    for entries in (affected.get("severity"), record.get("severity")):
        scored = _cvss(entries or [])
        if scored is not None:
            return scored
    rating = str((record.get("database_specific") or {}).get("severity") or "").upper()
    if rating in _GHSA:
        return _GHSA[rating], None
    urgency = str((affected.get("ecosystem_specific") or {}).get("urgency") or "").lower().rstrip("*")
    return _URGENCY.get(urgency, "UNKNOWN"), None


def _cvss(entries: list[Any]) -> tuple[str, float] | None:
    """The highest-version CVSS vector's base score and rating."""
    for kind in ("CVSS_V4", "CVSS_V3", "CVSS_V2"):
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("type") != kind:
                continue
            score = _score(kind, str(entry.get("score", "")))
            if score is not None:
                return _rating(score), score
    return None


@functools.lru_cache(maxsize=16384)
def _score(kind: str, vector: str) -> float | None:
    """A vector's base score (advisories share few distinct vectors: parse each once)."""
    from cvss import CVSS2, CVSS3, CVSS4, CVSSError

    try:
        if kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        if kind == "CVSS_V3":
            return float(CVSS3(vector).scores()[0])
        return float(CVSS2(vector).scores()[0])
    except (CVSSError, ValueError, KeyError, TypeError):
        return None


def _rating(score: float) -> str:
    if score >= 9.0:
        return "CRITICAL"
    if score >= 7.0:
        return "HIGH"
    if score >= 4.0:
        return "MEDIUM"
    if score > 0:
        return "LOW"
    return "UNKNOWN"


__all__ = ["SEVERITIES", "Verdict", "VersionError", "evaluate", "severity"]
