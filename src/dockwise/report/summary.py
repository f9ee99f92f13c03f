"""The one-screen summary `dockwise check` prints after the findings: one line per file, then a total."""

from __future__ import annotations

from collections import Counter

from dockwise.diagnostics import Severity
from dockwise.lint import LintReport

_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.STYLE)


def _counts(counter: Counter[Severity]) -> str:
    parts = [
        f"{counter[severity]} {severity}{'s' if counter[severity] != 1 and severity.rank >= 2 else ''}"
        for severity in _ORDER
        if counter[severity]
    ]
    return ", ".join(parts) if parts else "clean"


def render(report: LintReport) -> str:
    lines = ["", "Summary:"]
    width = max((len(result.path) for result in report.files), default=0)
    total: Counter[Severity] = Counter()
    for result in report.files:
        if result.error:
            lines.append(f"  {result.path:<{width}}  not checked: {result.error}")
            continue
        counter = Counter(diagnostic.severity for diagnostic in result.diagnostics)
        total.update(counter)
        lines.append(f"  {result.path:<{width}}  {_counts(counter)}")
    checked = sum(1 for result in report.files if not result.error)
    lines.append(f"Total: {checked} file{'s' if checked != 1 else ''} checked, {_counts(total)}.")
    if report.skipped_text:
        lines.append(report.skipped_text)
    return "\n".join(lines) + "\n"
