"""`--statistics`: how many findings each rule has and how many of them `dockwise fix` repairs, most
frequent first, so that a first run on a large project reads as a short table instead of pages."""

from __future__ import annotations

from collections import Counter

from dockwise.lint import LintReport


def render(report: LintReport) -> str:
    counts: Counter[str] = Counter()
    fixable: Counter[str] = Counter()
    names: dict[str, tuple[str, str]] = {}
    for diagnostic in report.diagnostics:
        counts[diagnostic.code] += 1
        fixable[diagnostic.code] += diagnostic.fix is not None
        names[diagnostic.code] = (diagnostic.rule, str(diagnostic.severity))
    if not counts:
        return "No findings.\n"
    rows = sorted(counts, key=lambda code: (-counts[code], code))
    width = len(str(counts[rows[0]]))
    lines = []
    for code in rows:
        rule, severity = names[code]
        fixes = f"{fixable[code]} fixable" if fixable[code] else ""
        lines.append(f"{counts[code]:>{width}}  {code}  {rule:<34} {severity:<8} {fixes}".rstrip())
    total = sum(counts.values())
    total_fixable = sum(fixable.values())
    lines.append(f"{total} findings, {total_fixable} fixable with `dockwise fix`, from {len(rows)} rules.")
    return "\n".join(lines) + "\n"
