"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

from __future__ import annotations

from dockwise.diagnostics import Severity
from dockwise.lint import LintReport
from dockwise.report.positions import located

_COMMANDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.STYLE: "notice",
}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: LintReport) -> str:
    lines = []
    for result, diagnostic, span in located(report):
        properties = [f"file={_property(result.path)}"]
        if span is not None:
            properties += [
                f"line={span.start.line}",
                f"col={span.start.column}",
                f"endLine={span.end.line}",
                f"endColumn={span.end.column}",
            ]
        properties.append(f"title={_property(f'{diagnostic.code} {diagnostic.rule}')}")
        lines.append(
            f"::{_COMMANDS[diagnostic.severity]} {','.join(properties)}::{_data(diagnostic.message)}"
        )
    for failed in report.files:
        if failed.error:
            lines.append(f"::error file={_property(failed.path)}::{_data(failed.error)}")
    return "".join(line + "\n" for line in lines)
