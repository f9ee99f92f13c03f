"""The human format: `path:line:col: CODE [severity] message`, the source line and a caret under it."""

from __future__ import annotations

from dockwise.diagnostics import SourceText
from dockwise.lint import LintReport
from dockwise.report.positions import span_of


def render(report: LintReport) -> str:
    lines: list[str] = []
    for result in report.files:
        if result.error:
            lines.append(f"{result.path}: error: {result.error}")
            continue
        source = SourceText(result.path, result.text) if result.text is not None else None
        for diagnostic in result.diagnostics:
            span = span_of(diagnostic, source)
            where = f"{result.path}:{span.start.line}:{span.start.column}" if span else result.path
            lines.append(f"{where}: {diagnostic.code} [{diagnostic.severity}] {diagnostic.message}")
            if span and source is not None:
                text = source.line_text(span.start.line).lstrip("\ufeff").expandtabs(1)
                width = 1
                if span.end.line == span.start.line:
                    width = max(1, span.end.column - span.start.column)
                lines.append(f"  {span.start.line:>4} | {text}")
                lines.append(f"       | {' ' * (span.start.column - 1)}{'^' * width}")
    for problem in report.problems:
        lines.append(f"error: {problem}")
    checked = len(report.files)
    found = len(report.diagnostics)
    files_word = "file" if checked == 1 else "files"
    lines.append(f"{found} finding{'s' if found != 1 else ''} in {checked} {files_word}.")
    return "\n".join(lines) + "\n"
