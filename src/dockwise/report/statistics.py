"""`--statistics`: how many findings each rule has and how many of them `dockwise fix` repairs, most
frequent first, so that a first run on a large project reads as a short table instead of pages."""

from __future__ import annotations

from collections import Counter

from dockwise.diagnostics import Applicability
from dockwise.lint import LintReport


def render(report: LintReport) -> str:
    counts: Counter[str] = Counter()
    fixable: Counter[str] = Counter()
    unsafe: Counter[str] = Counter()
    names: dict[str, tuple[str, str]] = {}
    for diagnostic in report.diagnostics:
        counts[diagnostic.code] += 1
        applicability = diagnostic.fix.applicability if diagnostic.fix is not None else None
        fixable[diagnostic.code] += applicability is Applicability.SAFE
        unsafe[diagnostic.code] += applicability is Applicability.UNSAFE
        names[diagnostic.code] = (diagnostic.rule, str(diagnostic.severity))
    if not counts:
        return "No findings.\n"
    rows = sorted(counts, key=lambda code: (-counts[code], code))
    width = len(str(counts[rows[0]]))
    lines = []
    for code in rows:
        rule, severity = names[code]
        fixes = f"{fixable[code]} fixable" if fixable[code] else ""
        if unsafe[code]:
            fixes = f"{fixes}, " if fixes else ""
            fixes += f"{unsafe[code]} with --unsafe-fixes"
        lines.append(f"{counts[code]:>{width}}  {code}  {rule:<34} {severity:<8} {fixes}".rstrip())
    total = sum(counts.values())
    total_fixable = sum(fixable.values())
    more = f" ({sum(unsafe.values())} more with --unsafe-fixes)" if sum(unsafe.values()) else ""
    lines.append(
        f"{total} findings, {total_fixable} fixable with `dockwise fix`{more}, from {len(rows)} rules."
    )
    return "\n".join(lines) + "\n"
