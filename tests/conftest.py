"""Shared test helpers: where `../shared` lives, and skipping versus failing when it is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DOCKWISE_SHARED", REPO_ROOT.parent / "shared"))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_shared(relative: str) -> Path:
    """The path under ../shared, or skip (fail under CI=true) with the reason when it is missing."""
    path = SHARED / relative
    if not path.exists():
        reason = f"{path} is missing: the shared corpus/schemas are not beside this clone"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def corpus_dockerfiles() -> list[Path]:
    """Every Dockerfile of the shared corpus, in a stable order."""
    root = require_shared("corpus/dockerfiles")
    return sorted(path for path in root.rglob("*") if path.is_file())


def corpus_manifest() -> list[dict[str, str]]:
    """The rows of ../shared/corpus/MANIFEST.tsv (kind, local_path, repo, path_in_repo, commit, license)."""
    import csv

    with (require_shared("corpus") / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def read_text(path: Path) -> str:
    """A file's text exactly as stored (no newline translation)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


SUMMARY_LINES: list[str] = []
"""Lines tests want shown after the run (e.g. how many corpus files were checked)."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY_LINES:
        terminalreporter.section("dockwise summary")
        for line in SUMMARY_LINES:
            terminalreporter.write_line(line)
