"""Reporters: pure functions from a lint report to text, looked up by format name."""

from __future__ import annotations

from collections.abc import Callable

from dockwise.lint import LintReport

Reporter = Callable[[LintReport], str]


def _text(report: LintReport) -> str:
    from dockwise.report.text import render

    return render(report)


def _json(report: LintReport) -> str:
    from dockwise.report.json import render

    return render(report)


FORMATS: dict[str, Reporter] = {"text": _text, "json": _json}
