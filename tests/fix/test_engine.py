"""The fix loop: edits without overlap, rounds to a fixed point, broken fixes refused, no endless loop."""

from __future__ import annotations

import pytest

import dockerfile as buildkit
from dockwise.diagnostics import (
    Applicability,
    Category,
    Diagnostic,
    Edit,
    FileLocation,
    Fix,
    Severity,
    TextRange,
)
from dockwise.fix import FixDidNotConverge, apply_fixes, fix_text
from dockwise.lint import lint_text


def _diagnostic(fix: Fix, code: str = "DW999") -> Diagnostic:
    return Diagnostic(
        code, "test", Category.SYNTAX, Severity.WARNING, "m", FileLocation("Dockerfile", TextRange(0, 0)), fix
    )


def lint(text: str) -> list[Diagnostic]:
    return lint_text(text, "Dockerfile")


def test_package_fixes_reach_a_fixed_point_and_the_result_is_valid_for_buildkit() -> None:
    text = (
        "FROM debian:12\n"
        "RUN apt-get update \\\n    && apt-get install curl\n"
        "RUN apk add git\n"
        "RUN python3 -m pip install -r requirements.txt\n"
    )
    outcome = fix_text(text, lint)
    assert outcome.text == (
        "FROM debian:12\n"
        "RUN apt-get update \\\n"
        "    && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
        "RUN apk add --no-cache git\n"
        "RUN python3 -m pip install --no-cache-dir -r requirements.txt\n"
    )
    assert sorted(fix.code for fix in outcome.applied) == ["DW201", "DW203", "DW204", "DW205"]
    # --no-install-recommends changes which packages are installed: it waits for --unsafe-fixes
    assert [(d.code, d.fix.applicability) for d in outcome.remaining if d.fix] == [
        ("DW202", Applicability.UNSAFE)
    ]
    assert fix_text(outcome.text, lint).applied == (), "a second run changes nothing"
    assert [i.cmd for i in buildkit.parse_string(outcome.text)] == ["FROM", "RUN", "RUN", "RUN"]
    unsafe = fix_text(text, lint, unsafe=True)
    assert "apt-get install --no-install-recommends -y curl" in unsafe.text


def test_suppressed_findings_are_not_fixed() -> None:
    text = "FROM alpine:3.20\n# dockwise: ignore=DW204\nRUN apk add git\n"
    assert not fix_text(text, lint).changed


def test_no_fix_when_the_run_ends_in_a_comment_or_an_open_operator() -> None:
    for run in (
        "apt-get install -y --no-install-recommends curl # tools",
        "(apt-get install -y --no-install-recommends curl)",
        "apt-get install -y --no-install-recommends curl &&",
    ):
        text = f"FROM debian:12\nRUN {run}\n"
        outcome = fix_text(text, lint)
        assert not outcome.changed, run
        assert any(d.code == "DW203" and d.fix is None for d in outcome.remaining)


def test_crlf_files_keep_crlf_in_what_fixes_insert() -> None:
    fix = Fix("two lines", (Edit.insert(6, "a\nb\n"),))
    assert apply_fixes("FROM x\r\nRUN y\r\n", [fix]) == "FROM xa\r\nb\r\n\r\nRUN y\r\n"
    assert apply_fixes("FROM x\nRUN y\n", [fix]) == "FROM xa\nb\n\nRUN y\n"


def test_overlapping_fixes_wait_for_the_next_round() -> None:
    rounds = []

    def fake(text: str) -> list[Diagnostic]:
        rounds.append(text)
        found = []
        if "LABEL a" not in text:
            found.append(_diagnostic(Fix("add a", (Edit.insert(0, "LABEL a=1\n"),)), "DW998"))
        if "LABEL b" not in text:
            found.append(_diagnostic(Fix("add b", (Edit.insert(0, "LABEL b=1\n"),)), "DW999"))
        return found

    outcome = fix_text("FROM scratch\n", fake)
    assert outcome.text in ("LABEL a=1\nLABEL b=1\nFROM scratch\n", "LABEL b=1\nLABEL a=1\nFROM scratch\n")
    assert len(outcome.applied) == 2
    assert len(rounds) == 3, "two rounds of one fix each, then a round that finds nothing"


def test_a_fix_that_breaks_the_file_is_refused_and_reported() -> None:
    def fake(text: str) -> list[Diagnostic]:
        good = _diagnostic(Fix("label", (Edit.insert(len(text), "LABEL a=b\n"),)), "DW001")
        bad = _diagnostic(Fix("break", (Edit.insert(0, "BOGUS instruction\n"),)), "DW002")
        return [good, bad] if "LABEL" not in text else [bad]

    outcome = fix_text("FROM scratch\n", fake)
    assert outcome.text == "FROM scratch\nLABEL a=b\n"
    assert [(f.code, f.title) for f in outcome.broken] == [("DW002", "break")]


def test_fixes_that_never_settle_are_an_error_not_a_loop() -> None:
    def fake(text: str) -> list[Diagnostic]:
        return [_diagnostic(Fix("grow", (Edit.insert(len(text), "#\n"),)))]

    with pytest.raises(FixDidNotConverge, match="did not settle"):
        fix_text("FROM scratch\n", fake)


def test_unsafe_fixes_only_when_asked_and_suggestions_never() -> None:
    def fake(text: str) -> list[Diagnostic]:
        found = []
        if "LABEL u" not in text:
            found.append(_diagnostic(Fix("u", (Edit.insert(0, "LABEL u=1\n"),), Applicability.UNSAFE)))
        found.append(_diagnostic(Fix("s", (Edit.insert(0, "LABEL s=1\n"),), Applicability.SUGGESTION)))
        return found

    assert not fix_text("FROM scratch\n", fake).changed
    assert fix_text("FROM scratch\n", fake, unsafe=True).text == "LABEL u=1\nFROM scratch\n"
