"""`dockwise fix --multi-stage` on disk: rewrite each Dockerfile found (atomically) or show the diff, and say
per file what was done, refused or left alone, with every note of what could not be proven."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dockwise.config import SettingsByFile
from dockwise.fix.files import unified_diff, write_atomically
from dockwise.fix.multistage import Rewrite, rewrite_text
from dockwise.lint import read_or_error


@dataclass(frozen=True, slots=True)
class MultiStageResult:
    path: str
    rewrite: Rewrite | None = None
    original: str = ""
    error: str | None = None

    def diff(self) -> str:
        if self.rewrite is None or self.rewrite.status != "rewritten":
            return ""
        return unified_diff(self.path, self.original, self.rewrite.text)


def multistage_paths(
    paths: Iterable[str | Path],
    settings: SettingsByFile,
    command_line_bases: Mapping[str, str],
    *,
    write: bool = True,
) -> tuple[list[MultiStageResult], list[str]]:
    """Rewrite every Dockerfile under `paths`; the runtime bases are each file's config's, then the
    command line's (`--runtime-base` wins)."""
    from dockwise.discovery import discover_dockerfiles
    from dockwise.errors import DockerfileSyntaxError

    discovery = discover_dockerfiles(list(paths))
    results = []
    for path in discovery.files:
        display = str(path)
        text, problem = read_or_error(path)
        if text is None:
            results.append(MultiStageResult(display, error=problem))
            continue
        bases = {**dict(settings.for_path(path).runtime_bases), **command_line_bases}
        try:
            outcome = rewrite_text(text, bases, path.parent)
        except DockerfileSyntaxError as error:
            results.append(MultiStageResult(display, error=f"does not parse: {error}"))
            continue
        if write and outcome.status == "rewritten":
            try:
                write_atomically(path, outcome.text)
            except OSError as error:
                results.append(MultiStageResult(display, error=f"cannot write: {error.strerror or error}"))
                continue
        results.append(MultiStageResult(display, outcome, text))
    return results, [f"{problem.path}: {problem.message}" for problem in discovery.problems]


def render_text(results: Sequence[MultiStageResult], *, written: bool) -> str:
    lines = []
    for result in results:
        outcome = result.rewrite
        if result.error or outcome is None:
            lines.append(f"dockwise: error: {result.path}: {result.error}")
            continue
        if outcome.status == "rewritten":
            verb = "Rewrote" if written else "Would rewrite"
            lines.append(
                f"{verb} {result.path}: a {outcome.ecosystem} builder stage and a runtime stage FROM "
                f"{outcome.runtime_base}"
            )
            lines += [f"  not proven: {note}" for note in outcome.notes]
        elif outcome.status == "refused":
            lines.append(f"Refused {result.path}: {outcome.reason} (file left unchanged)")
        else:
            lines.append(f"Left {result.path} alone: {outcome.reason}")
    counts = {
        status: sum(1 for r in results if r.rewrite and r.rewrite.status == status)
        for status in ("rewritten", "refused", "unchanged")
    }
    verb = "rewritten" if written else "would be rewritten"
    lines.append(
        f"{counts['rewritten']} {verb}, {counts['refused']} refused, "
        f"{counts['unchanged']} already multi-stage."
    )
    return "".join(line + "\n" for line in lines)


def render_json(results: Sequence[MultiStageResult], *, written: bool) -> str:
    rows = []
    for result in results:
        outcome = result.rewrite
        row: dict[str, object] = {"path": result.path}
        if result.error or outcome is None:
            row.update(status="error", error=result.error)
        else:
            status = outcome.status if written or outcome.status != "rewritten" else "would-rewrite"
            row.update(
                status=status,
                ecosystem=outcome.ecosystem,
                runtime_base=outcome.runtime_base,
                not_proven=list(outcome.notes),
                reason=outcome.reason,
                diff=result.diff(),
            )
        rows.append(row)
    return json.dumps(rows, indent=2) + "\n"
