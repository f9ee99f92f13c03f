"""Reporters: pure functions from a lint report to text, one module each, looked up by format name.

Each module has `render(report: LintReport) -> str`; modules are imported only when their format is asked
for, so `dockwise lint` starts fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from dockwise.lint import LintReport

Reporter = Callable[[LintReport], str]

FORMATS: dict[str, str] = {
    "text": "dockwise.report.text",
    "json": "dockwise.report.json",
    "sarif": "dockwise.report.sarif",
    "github": "dockwise.report.github",
    "gitlab": "dockwise.report.gitlab",
    "checkstyle": "dockwise.report.checkstyle",
    "junit": "dockwise.report.junit",
}


def reporter(name: str) -> Reporter:
    """The render function of a format (`KeyError` for an unknown one)."""
    return cast(Reporter, importlib.import_module(FORMATS[name]).render)
