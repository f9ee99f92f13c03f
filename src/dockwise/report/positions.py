"""Turning a diagnostic's offsets into lines and columns, once per file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dockwise.diagnostics import Diagnostic, FileLocation, Position, SourceText
from dockwise.record import Record

if TYPE_CHECKING:
    from dockwise.lint import FileResult, LintReport


class Span(Record):
    """1-based start and end positions of a diagnostic in its file (end is exclusive)."""

    __slots__ = ("end", "start")
    start: Position
    end: Position

    def __init__(self, start: Position, end: Position) -> None:
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)


def span_of(diagnostic: Diagnostic, source: SourceText | None) -> Span | None:
    """Where a file diagnostic sits; None for image diagnostics or when the text is unknown."""
    location = diagnostic.location
    if not isinstance(location, FileLocation) or source is None:
        return None
    start = source.position(location.range.start)
    end = source.position(location.range.end)
    if source.text.startswith("\ufeff"):
        start = _after_bom(start)
        end = _after_bom(end)
    return Span(start, end)


def _after_bom(position: Position) -> Position:
    """BuildKit strips a byte order mark, so columns on the first line do not count it."""
    if position.line == 1 and position.column > 1:
        return Position(1, position.column - 1)
    return position


def located(report: LintReport) -> Iterator[tuple[FileResult, Diagnostic, Span | None]]:
    """Every diagnostic of a report with its file and position, in report order."""
    for result in report.files:
        source = SourceText(result.path, result.text) if result.text is not None else None
        for diagnostic in result.diagnostics:
            yield result, diagnostic, span_of(diagnostic, source)
