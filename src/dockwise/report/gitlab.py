"""GitLab Code Quality report (the JSON artifact a merge request widget reads)."""

from __future__ import annotations

import hashlib
import json

from dockwise.diagnostics import Severity
from dockwise.lint import LintReport
from dockwise.report.positions import located

_SEVERITIES = {
    Severity.ERROR: "critical",
    Severity.WARNING: "major",
    Severity.INFO: "minor",
    Severity.STYLE: "info",
}


def render(report: LintReport) -> str:
    issues = []
    for result, diagnostic, span in located(report):
        line = span.start.line if span else 1
        # Stable across runs and unique per finding, as GitLab needs to match findings between pipelines.
        identity = f"{result.path}:{diagnostic.code}:{line}:{diagnostic.message}"
        issues.append(
            {
                "type": "issue",
                "description": f"{diagnostic.code} {diagnostic.message}",
                "check_name": diagnostic.code,
                "categories": [str(diagnostic.category)],
                "fingerprint": hashlib.sha256(identity.encode("utf-8")).hexdigest(),
                "severity": _SEVERITIES[diagnostic.severity],
                "location": {"path": result.path, "lines": {"begin": line}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
