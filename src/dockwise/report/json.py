"""JSON output: every diagnostic with its code, category, severity, message and exact position, and for
runtime findings the service or `docker run` line they are about (`subject`)."""

from __future__ import annotations

import json

from dockwise.lint import LintReport
from dockwise.report.positions import located


def render(report: LintReport) -> str:
    diagnostics = [
        {
            "code": diagnostic.code,
            "rule": diagnostic.rule,
            "category": str(diagnostic.category),
            "severity": str(diagnostic.severity),
            "message": diagnostic.message,
            "path": result.path,
            "line": span.start.line if span else None,
            "column": span.start.column if span else None,
            "end_line": span.end.line if span else None,
            "end_column": span.end.column if span else None,
            "aliases": list(diagnostic.aliases),
            "fixable": str(diagnostic.fix.applicability) if diagnostic.fix else None,
            "notes": list(diagnostic.notes),
            "subject": diagnostic.subject,
        }
        for result, diagnostic, span in located(report)
    ]
    document = {
        "diagnostics": diagnostics,
        "errors": [{"path": r.path, "message": r.error} for r in report.files if r.error]
        + [{"path": None, "message": problem} for problem in report.problems],
        "files_checked": len(report.files),
        "skipped": {"by_reason": dict(report.skipped), "message": report.skipped_text},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
