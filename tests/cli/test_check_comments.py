"""BuildKit's `check=` comments directly above one instruction, and its `.dockerignore` of everything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwise.cli import main


def codes(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> list[tuple[str, int]]:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(text, encoding="utf-8")
    main(["lint", "--format", "json", "--select", "ALL", str(dockerfile)])
    return [(d["code"], d["line"]) for d in json.loads(capsys.readouterr().out)["diagnostics"]]


TWO_ENVS = "FROM scratch\n{pragma}ENV A 1\nENV B 2\n"


@pytest.mark.parametrize(
    ("pragma", "skipped"),
    [
        ("# check=skip=LegacyKeyValueFormat\n", True),
        ("#check=skip=all\n", True),
        ("# check=skip=LegacyKeyValueFormat // kept as the base image's docs write it\n", True),
        ("# check=skip=LegacyKeyValueFormat\n\n# another remark\n", True),  # a blank line keeps the block
        ("# check=skip=LegacyKeyValueFormat\n#\n", False),  # an empty comment ends it
        ("# check=skip=LegacyKeyValueFormat;error=maybe\n", False),  # BuildKit rejects the whole comment
        ("# check=skip=MaintainerDeprecated\n", False),
    ],
)
def test_a_check_comment_above_an_instruction_skips_there_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pragma: str, skipped: bool
) -> None:
    text = TWO_ENVS.format(pragma=pragma)
    found = [code for code in codes(tmp_path, capsys, text) if code[0] == "DW057"]
    line = text.count("\n", 0, text.index("ENV A")) + 1
    expected = [("DW057", line + 1)]
    if not skipped:
        expected.insert(0, ("DW057", line))
    assert found == expected


def test_a_skip_above_a_workdir_silences_the_rule_that_covers_it_without_its_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "FROM alpine:3.20\n# check=skip=WorkdirRelativePath\nWORKDIR app\nWORKDIR data\n"
    assert [code for code in codes(tmp_path, capsys, text) if code[0] == "DW502"] == [("DW502", 4)]


@pytest.mark.parametrize(
    ("ignore", "fires"), [("*\n", True), ("**\n", True), ("*\n!src\n", False), (".*\n", False)]
)
def test_copying_the_whole_context_that_dockerignore_empties(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ignore: str, fires: bool
) -> None:
    (tmp_path / ".dockerignore").write_text(ignore)
    found = [
        code for code in codes(tmp_path, capsys, "FROM alpine:3.20\nCOPY . /src\n") if code[0] == "DW572"
    ]
    assert found == ([("DW572", 2)] if fires else [])


def test_buildkit_check_setting_replaces_the_files_directive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As `--build-arg BUILDKIT_DOCKERFILE_CHECK=...` does: the file says skip=all, the build skips one."""
    text = "#check=skip=all\nFROM scratch as base\nENV A 1\n"
    assert sorted(code for code, _ in codes(tmp_path, capsys, text)) == []
    (tmp_path / ".dockwise.toml").write_text('buildkit-check = "skip=LegacyKeyValueFormat;error=true"\n')
    main(["lint", "--format", "json", "--select", "ALL", str(tmp_path / "Dockerfile")])
    found = [d["code"] for d in json.loads(capsys.readouterr().out)["diagnostics"]]
    assert "DW163" in found  # the `as` casing is reported again
    assert "DW057" not in found


def test_a_buildkit_check_setting_buildkit_would_refuse_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".dockwise.toml").write_text('buildkit-check = "skip=all;silent=true"\n')
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    assert main(["lint", str(tmp_path / "Dockerfile")]) == 2
    err = capsys.readouterr().err
    assert "buildkit-check must be BuildKit's check options" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("directive", "severity"), [("error=true", "error"), ("error=false", "style"), ("", "style")]
)
def test_check_error_true_makes_the_findings_of_buildkits_checks_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], directive: str, severity: str
) -> None:
    """BuildKit fails the build on them; the findings of rules without a BuildKit check keep theirs."""
    (tmp_path / "Dockerfile").write_text(f"# check={directive}\nFROM alpine\nENV A 1\n")
    main(["lint", "--format", "json", "--select", "DW057,DW101,DW503", str(tmp_path / "Dockerfile")])
    found = {d["code"]: d["severity"] for d in json.loads(capsys.readouterr().out)["diagnostics"]}
    assert found["DW057"] == severity
    assert found["DW101"] == "warning"
