"""Baselines: accept today's findings on a large old project, and report only the ones that are new.

A finding is remembered by a fingerprint that survives unrelated edits: its rule, its file (relative to
the baseline file's folder, so the baseline works from any checkout), and the text it points at with
blanks squeezed (the message, for a finding on no text), plus its rank among the findings with the same
three. Line numbers are left out on purpose: inserting or moving lines elsewhere keeps every fingerprint,
while a second copy of the same mistake, or an edit of the flagged text itself, is reported as new.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path

from dockwise.diagnostics import Diagnostic
from dockwise.errors import DockwiseError
from dockwise.lint import FileResult, LintReport

VERSION = 1


def fingerprints(result: FileResult, root: Path) -> list[tuple[str, str, str]]:
    """(code, relative path, fingerprint) for each diagnostic of `result`, in order."""
    relative = Path(os.path.relpath(Path(result.path).resolve(), root.resolve())).as_posix()
    seen: Counter[tuple[str, str]] = Counter()
    rows = []
    for diagnostic in result.diagnostics:
        text = _flagged_text(diagnostic, result.text)
        rank = seen[(diagnostic.code, text)]
        seen[(diagnostic.code, text)] += 1
        digest = hashlib.sha256(f"{diagnostic.code}\0{relative}\0{text}\0{rank}".encode()).hexdigest()[:24]
        rows.append((diagnostic.code, relative, digest))
    return rows


def _flagged_text(diagnostic: Diagnostic, text: str | None) -> str:
    span = getattr(diagnostic.location, "range", None)
    if span is None or text is None or span.end <= span.start:
        return diagnostic.message
    return " ".join(text[span.start : span.end].split())


def write_baseline(report: LintReport, path: Path) -> int:
    """Record every finding of `report` in `path` (written atomically); how many were recorded."""
    root = path.parent
    rows = [row for result in report.files for row in fingerprints(result, root)]
    document = {
        "tool": "dockwise",
        "version": VERSION,
        "findings": [{"code": code, "path": file, "fingerprint": digest} for code, file, digest in rows],
    }
    from dockwise.fix.files import write_output

    write_output(path, json.dumps(document, indent=1, sort_keys=True) + "\n", "the baseline")
    return len(rows)


def read_baseline(path: Path) -> Counter[tuple[str, str, str]]:
    """The findings a baseline accepts (a multiset: the same finding may be accepted twice)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DockwiseError(f"{path}: cannot read the baseline: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DockwiseError(f"{path}: not a dockwise baseline ({error})") from None
    if not isinstance(document, dict) or document.get("tool") != "dockwise":
        raise DockwiseError(f"{path}: not a dockwise baseline (write one with --write-baseline)")
    if document.get("version") != VERSION:
        raise DockwiseError(f"{path}: baseline version {document.get('version')!r}, expected {VERSION}")
    findings = document.get("findings")
    if not isinstance(findings, list):
        raise DockwiseError(f"{path}: the baseline has no list of findings")
    accepted: Counter[tuple[str, str, str]] = Counter()
    for entry in findings:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("code", "path")):
            raise DockwiseError(f"{path}: a baseline entry without code and path: {entry!r}")
        accepted[(entry["code"], entry["path"], str(entry.get("fingerprint")))] += 1
    return accepted


def without_baseline(
    report: LintReport, accepted: Counter[tuple[str, str, str]], root: Path
) -> tuple[LintReport, int]:
    """`report` less the findings the baseline accepts, and how many those were."""
    remaining = Counter(accepted)
    files = []
    hidden = 0
    for result in report.files:
        kept = []
        for diagnostic, row in zip(result.diagnostics, fingerprints(result, root), strict=True):
            if remaining[row] > 0:
                remaining[row] -= 1
                hidden += 1
            else:
                kept.append(diagnostic)
        files.append(FileResult(result.path, result.text, tuple(kept), result.error))
    return LintReport(tuple(files), report.problems, report.skipped, report.dockerfiles), hidden
