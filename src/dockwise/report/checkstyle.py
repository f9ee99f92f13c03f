"""Checkstyle XML, read by many CI servers and code review tools."""

from __future__ import annotations

from xml.etree import ElementTree

from dockwise.diagnostics import Severity, SourceText
from dockwise.lint import LintReport
from dockwise.report.positions import span_of

_SEVERITIES = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "info",
    Severity.STYLE: "info",
}


def render(report: LintReport) -> str:
    root = ElementTree.Element("checkstyle", version="4.3")
    for result in report.files:
        element = ElementTree.SubElement(root, "file", name=result.path)
        if result.error:
            ElementTree.SubElement(
                element, "error", severity="error", message=result.error, source="dockwise"
            )
            continue
        source = SourceText(result.path, result.text) if result.text is not None else None
        for diagnostic in result.diagnostics:
            span = span_of(diagnostic, source)
            attributes = {
                "line": str(span.start.line if span else 1),
                "column": str(span.start.column if span else 1),
                "severity": _SEVERITIES[diagnostic.severity],
                "message": diagnostic.message,
                "source": f"dockwise.{diagnostic.code}.{diagnostic.rule}",
            }
            ElementTree.SubElement(element, "error", attributes)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
