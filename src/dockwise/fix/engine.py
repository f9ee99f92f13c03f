"""Apply the fixes that diagnostics carry to a Dockerfile's text, round after round, to a fixed point.

Each round lints the current text, takes the fixes the caller allows (safe ones, and unsafe ones only
when asked), applies every fix that does not overlap one already taken, and re-parses. A fix whose result
no longer parses is dropped and named as a bug. The loop is bounded: text that still changes after
`MAX_ROUNDS` rounds is an error (two fixes undoing each other), never an endless loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dockwise.diagnostics import Applicability, Diagnostic, Edit, Fix
from dockwise.errors import DockerfileSyntaxError, DockwiseError

MAX_ROUNDS = 10
_LONE_LF = re.compile(r"(?<!\r)\n")

Linter = Callable[[str], list[Diagnostic]]
"""Lints a text with the run's rules and settings (pragmas and per-file ignores included)."""


class FixDidNotConverge(DockwiseError):
    """Fixes kept changing the text: a dockwise bug, reported instead of looping."""


@dataclass(frozen=True, slots=True)
class AppliedFix:
    code: str
    title: str
    applicability: Applicability


@dataclass(frozen=True, slots=True)
class FixOutcome:
    """The fixed text, what was applied in order, and what the final lint still finds."""

    original: str
    text: str
    applied: tuple[AppliedFix, ...]
    remaining: tuple[Diagnostic, ...]
    broken: tuple[AppliedFix, ...] = ()
    """Fixes that were not applied because the result no longer parsed (bugs to report)."""

    @property
    def changed(self) -> bool:
        return self.text != self.original


def allowed(fix: Fix, unsafe: bool) -> bool:
    """Safe fixes always; unsafe ones only when asked; suggestions are shown, never applied."""
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


def fix_text(text: str, lint: Linter, *, unsafe: bool = False) -> FixOutcome:
    """Apply every allowed fix that `lint` offers on `text` until none is left or none applies."""
    from dockwise.dockerfile import parse

    current = text
    applied: list[AppliedFix] = []
    broken: list[AppliedFix] = []
    refused: set[tuple[str, str]] = set()
    for _ in range(MAX_ROUNDS):
        diagnostics = lint(current)
        candidates = [d for d in diagnostics if d.fix and allowed(d.fix, unsafe) and _key(d) not in refused]
        chosen = _non_overlapping(candidates)
        if not chosen:
            return FixOutcome(text, current, tuple(applied), tuple(diagnostics), tuple(broken))
        updated = apply_fixes(current, [d.fix for d in chosen if d.fix])
        if not _parses(parse, updated):
            # Find the culprits one by one, keep the rest.
            good = []
            for diagnostic in chosen:
                assert diagnostic.fix is not None
                if _parses(parse, apply_fixes(current, [diagnostic.fix])):
                    good.append(diagnostic)
                else:
                    refused.add(_key(diagnostic))
                    broken.append(_applied(diagnostic))
            chosen = _non_overlapping(good)
            updated = apply_fixes(current, [d.fix for d in chosen if d.fix])
        if updated == current:
            return FixOutcome(text, current, tuple(applied), tuple(diagnostics), tuple(broken))
        applied.extend(_applied(d) for d in chosen)
        current = updated
    raise FixDidNotConverge(
        f"fixes did not settle after {MAX_ROUNDS} rounds ({', '.join(sorted({a.code for a in applied}))}): "
        "this is a dockwise bug, please report it"
    )


def apply_fixes(text: str, fixes: Sequence[Fix]) -> str:
    """`text` with the edits of `fixes` (which must not overlap) applied; new lines follow the file's."""
    newline = "\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n"
    edits = sorted((edit for fix in fixes for edit in fix.edits), key=lambda e: e.range.start, reverse=True)
    pieces = []
    end = len(text)
    for edit in edits:
        replacement = _LONE_LF.sub(newline, edit.text) if newline != "\n" else edit.text
        pieces.append(text[edit.range.end : end])
        pieces.append(replacement)
        end = edit.range.start
    pieces.append(text[:end])
    return "".join(reversed(pieces))


def _non_overlapping(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics whose fixes can be applied together, earliest first; the others wait a round.

    Two insertions at the same offset count as overlapping: their order would be arbitrary.
    """
    taken: list[Edit] = []
    chosen = []
    seen_fixes = set()
    ordered = sorted(diagnostics, key=lambda d: d.fix.edits[0].range.start if d.fix and d.fix.edits else 0)
    for diagnostic in ordered:
        fix = diagnostic.fix
        if fix is None or not fix.edits or fix in seen_fixes:
            continue
        if any(_overlaps(edit, other) for edit in fix.edits for other in taken):
            continue
        seen_fixes.add(fix)
        taken.extend(fix.edits)
        chosen.append(diagnostic)
    return chosen


def _overlaps(first: Edit, second: Edit) -> bool:
    a, b = first.range, second.range
    if a.start == a.end or b.start == b.end:
        return a.start <= b.end and b.start <= a.end
    return a.start < b.end and b.start < a.end


def _parses(parse: Callable[[str], object], text: str) -> bool:
    try:
        parse(text)
    except DockerfileSyntaxError:
        return False
    return True


def _key(diagnostic: Diagnostic) -> tuple[str, str]:
    return diagnostic.code, diagnostic.fix.title if diagnostic.fix else ""


def _applied(diagnostic: Diagnostic) -> AppliedFix:
    assert diagnostic.fix is not None
    return AppliedFix(diagnostic.code, diagnostic.fix.title, diagnostic.fix.applicability)
