"""Turning rules off, end to end through the CLI: --select/--ignore and inline pragmas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwise.cli import main

NOISY = """\
FROM node:latest AS build
MAINTAINER someone
ADD package.json /app/
FROM node
EXPOSE 3000
CMD node server.js
COPY --from=build /app /app
"""


def codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, *options: str
) -> list[tuple[str, int]]:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(text, encoding="utf-8")
    main(["lint", "--format", "json", *options, str(dockerfile)])
    return [(d["code"], d["line"]) for d in json.loads(capsys.readouterr().out)["diagnostics"]]


def test_without_pragmas_every_rule_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert codes(tmp_path, capsys, NOISY) == [
        ("DW101", 1),
        ("DW503", 2),
        ("DW501", 3),
        ("DW101", 4),
        ("DW301", 4),
        ("DW402", 5),
        ("DW401", 6),
    ]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--select", "DW1"), [("DW101", 1), ("DW101", 4)]),
        (("--select", "base-image-pinning,DW401"), [("DW101", 1), ("DW101", 4), ("DW401", 6)]),
        (("--select", "DL3007"), [("DW101", 1), ("DW101", 4)]),
        (
            ("--ignore", "missing-user", "--ignore", "DW4"),
            [("DW101", 1), ("DW503", 2), ("DW501", 3), ("DW101", 4)],
        ),
        (("--select", "DW5", "--ignore", "DL3020"), [("DW503", 2)]),
    ],
)
def test_select_and_ignore(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    options: tuple[str, ...],
    expected: list[tuple[str, int]],
) -> None:
    assert codes(tmp_path, capsys, NOISY, *options) == expected


def test_instruction_pragma_covers_only_the_next_instruction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = NOISY.replace(
        "FROM node:latest", "# dockwise: ignore=DW101,deprecated-maintainer\nFROM node:latest"
    )
    found = codes(tmp_path, capsys, text, "--select", "DW101,DW503")
    assert found == [("DW503", 3), ("DW101", 5)]


def test_hadolint_pragmas_work_through_aliases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "# hadolint global ignore=DL3020\n" + NOISY.replace(
        "FROM node\n", "# hadolint ignore=DL3006\nFROM node\n"
    )
    found = codes(tmp_path, capsys, text, "--select", "DW101,DW501")
    assert found == [("DW101", 2)]


def test_a_long_pragma_like_comment_is_read_in_linear_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    started = time.perf_counter()
    text = "# dockwise: ignore=" + " " * 20_000 + "!\n" + NOISY
    found = codes(tmp_path, capsys, text, "--select", "DW101")
    assert time.perf_counter() - started < 5  # cubic before: 10,000 blanks ran for minutes
    assert found == [("DW101", 2), ("DW101", 5)]  # not a pragma: nothing is suppressed


def test_file_pragma_with_a_prefix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = codes(tmp_path, capsys, NOISY + "# dockwise: ignore-file=DW4,DW3\n")
    assert [code for code, _ in found] == ["DW101", "DW503", "DW501", "DW101"]


def test_buildkit_check_directive_skips_through_aliases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    named = codes(tmp_path, capsys, "# check=skip=JSONArgsRecommended\n" + NOISY, "--select", "DW4,DW5")
    assert [code for code, _ in named] == ["DW503", "DW501", "DW402"]
    every = codes(tmp_path, capsys, "# check=skip=all;error=true\n" + NOISY, "--select", "DW1,DW4,DW5")
    assert [code for code, _ in every] == ["DW101", "DW501", "DW101", "DW402"], (
        "skip=all turns off the rules that have a BuildKit counterpart (DW401, DW503) and no others"
    )


def test_a_pragma_separated_by_an_instruction_does_not_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "# dockwise: ignore=DW101\nARG X=1\nFROM node:latest\n"
    assert codes(tmp_path, capsys, text, "--select", "DW101") == [("DW101", 3)]


def test_a_hadolint_pragma_may_end_in_a_remark(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = NOISY.replace(
        "FROM node\n", "# hadolint ignore=DL3006 # the base is pinned by the CI mirror\nFROM node\n"
    )
    assert codes(tmp_path, capsys, text, "--select", "DW101") == [("DW101", 1)]


def test_a_hadolint_stage_pragma_covers_its_stage_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "# hadolint stage ignore=DL3020,DL4000\n"
        "FROM node:22 AS build\n"
        "MAINTAINER someone\n"
        "ADD package.json /app/\n"
        "FROM node:22\n"
        "ADD server.js /app/\n"
    )
    assert codes(tmp_path, capsys, text, "--select", "DW501,DW503") == [("DW501", 6)]


def test_a_stage_pragma_above_another_instruction_does_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "FROM node:22\n# hadolint stage ignore=DL3020\nADD a.js /app/\nADD b.js /app/\n"
    assert codes(tmp_path, capsys, text, "--select", "DW501") == [("DW501", 3), ("DW501", 4)]
