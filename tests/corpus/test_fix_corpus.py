"""`fix` on every corpus Dockerfile: only the fixed instructions change, a second run changes nothing, and
BuildKit's own parser accepts the result. The suite prints how many files changed and which fixes ran."""

from __future__ import annotations

import collections
from collections.abc import Sequence

import pytest

import dockerfile as buildkit
from dockwise.diagnostics import Diagnostic, FileLocation
from dockwise.dockerfile import parse
from dockwise.dockerfile.tree import Instruction
from dockwise.fix import fix_text
from dockwise.lint import lint_text
from tests.conftest import SUMMARY_LINES, corpus_dockerfiles, read_text

pytestmark = pytest.mark.corpus


def _fixable_ranges(diagnostics: list[Diagnostic]) -> list[tuple[int, int]]:
    return [
        (edit.range.start, edit.range.end)
        for d in diagnostics
        if d.fix and isinstance(d.location, FileLocation)
        for edit in d.fix.edits
    ]


def test_fix_changes_only_fixed_instructions_is_idempotent_and_stays_valid() -> None:
    files = corpus_dockerfiles()
    changed = 0
    kinds: collections.Counter[str] = collections.Counter()
    problems: list[str] = []
    for path in files:
        text = read_text(path)

        def lint(current: str, name: str = str(path)) -> list[Diagnostic]:
            return lint_text(current, name)

        outcome = fix_text(text, lint)
        if outcome.broken:
            problems.append(f"{path}: broken fixes {outcome.broken}")
        if not outcome.changed:
            continue
        changed += 1
        kinds.update(f"{fix.code} {fix.title}" for fix in outcome.applied)
        before, after = parse(text).instructions, parse(outcome.text).instructions
        pairs = list(zip(before, after, strict=False))
        same_shape = len(before) == len(after) and all(
            new.keyword in (old.keyword, _renamed(old.keyword)) for old, new in pairs
        )
        if not same_shape:
            problems.append(f"{path}: the instructions changed")
            continue
        targets = _fixable_ranges(lint(text))
        for old, new in zip(before, after, strict=True):
            old_text = text[old.source_range.start : old.source_range.end]
            new_text = outcome.text[new.source_range.start : new.source_range.end]
            span = old.source_range
            if old_text != new_text and not any(span.start <= s <= e <= span.end for s, e in targets):
                problems.append(f"{path}:{old.start_line}: changed an instruction no fix pointed at")
        gaps_before = _gaps(text, before)
        if gaps_before != _gaps(outcome.text, after):
            problems.append(f"{path}: text between instructions changed")
        if fix_text(outcome.text, lint).changed:
            problems.append(f"{path}: a second fix run changed the file again")
        try:
            buildkit.parse_string(outcome.text)
        except Exception as error:  # the wrapper raises its own GoParseError
            problems.append(f"{path}: BuildKit refuses the fixed file: {error}")
    SUMMARY_LINES.append(f"fix: {changed} of {len(files)} corpus Dockerfiles changed by safe fixes")
    SUMMARY_LINES.extend(f"  {count:5} x {kind}" for kind, count in kinds.most_common())
    assert not problems, "\n".join(problems[:20])
    assert changed > 100, "the safe fixes apply to a good part of the corpus"


def _renamed(keyword: str) -> str:
    """What a safe fix may turn an instruction into (ADD of local files into COPY, MAINTAINER into LABEL)."""
    return {"ADD": "COPY", "MAINTAINER": "LABEL"}.get(keyword, keyword)


def _gaps(text: str, instructions: Sequence[Instruction]) -> list[str]:
    """The text before, between and after the instructions (comments, blank lines, directives)."""
    gaps = []
    position = 0
    for instruction in instructions:
        gaps.append(text[position : instruction.source_range.start])
        position = instruction.source_range.end
    gaps.append(text[position:])
    return gaps


def test_unsafe_fixes_leave_files_buildkit_accepts_and_settle() -> None:
    files = corpus_dockerfiles()
    changed = 0
    kinds: collections.Counter[str] = collections.Counter()
    problems: list[str] = []
    for path in files:
        text = read_text(path)

        def lint(current: str, name: str = str(path)) -> list[Diagnostic]:
            return lint_text(current, name)

        outcome = fix_text(text, lint, unsafe=True)
        if outcome.broken:
            problems.append(f"{path}: broken fixes {outcome.broken}")
        if not outcome.changed:
            continue
        changed += 1
        kinds.update(fix.code for fix in outcome.applied if fix.applicability.value == "unsafe")
        if fix_text(outcome.text, lint, unsafe=True).changed:
            problems.append(f"{path}: a second fix run changed the file again")
        try:
            buildkit.parse_string(outcome.text)
        except Exception as error:  # the wrapper raises its own GoParseError
            problems.append(f"{path}: BuildKit refuses the fixed file: {error}")
    SUMMARY_LINES.append(f"fix --unsafe-fixes: {changed} of {len(files)} corpus Dockerfiles changed; unsafe:")
    SUMMARY_LINES.extend(f"  {count:5} x {kind}" for kind, count in kinds.most_common())
    assert not problems, "\n".join(problems[:20])
