"""The example projects the README's first command checks: present, complete and valid for BuildKit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dockerfile
from dockwise.cli import main
from tests.conftest import REPO_ROOT

EXAMPLES = REPO_ROOT / "examples"
PROJECTS = ("node-api", "python-app", "go-service")


@pytest.mark.parametrize("project", PROJECTS)
def test_each_example_has_an_app_a_dockerfile_a_compose_file_and_its_list_of_mistakes(project: str) -> None:
    folder = EXAMPLES / project
    for name in ("Dockerfile", "compose.yaml", "README.md"):
        assert (folder / name).is_file(), f"{project} lacks {name}"
    assert "on purpose" in (folder / "README.md").read_text(encoding="utf-8")


def test_check_on_the_examples_finds_the_three_dockerfiles_and_no_syntax_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["check", "--format", "json", str(EXAMPLES)])
    document = json.loads(capsys.readouterr().out)
    assert document["files_checked"] == 6, "three Dockerfiles and three Compose files"
    assert document["errors"] == []
    syntax = [d for d in document["diagnostics"] if d["category"] == "syntax"]
    assert syntax == [], "the examples must build: their mistakes are playbook mistakes, not syntax errors"
    assert status in (0, 1)


#: The deliberate mistakes of each example that today's rules detect (each example's README lists them all).
EXPECTED_FINDINGS = {
    "node-api": {"DW101", "DW206", "DW240", "DW301", "DW401", "DW402", "DW405", "DW501"},
    "python-app": {"DW151", "DW202", "DW203", "DW205", "DW206", "DW302", "DW304", "DW402", "DW502", "DW503"},
    "go-service": {"DW151", "DW206", "DW246", "DW303", "DW401", "DW402", "DW504"},
}
#: The same for each example's compose.yaml (the README's "Compose:" list).
EXPECTED_RUNTIME_FINDINGS = {
    "node-api": {"DW701", "DW702", "DW703", "DW710", "DW716", "DW723", "DW730", "DW740"},
    "python-app": {
        "DW701", "DW702", "DW703", "DW711", "DW713", "DW714", "DW716", "DW720", "DW721", "DW730", "DW733",
    },
    "go-service": {
        "DW701", "DW702", "DW703", "DW711", "DW713", "DW716", "DW723", "DW724", "DW730", "DW733", "DW741",
        "DW742",
    },
}  # fmt: skip


@pytest.mark.parametrize("project", PROJECTS)
def test_check_reports_the_deliberate_mistakes(project: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", "--format", "json", str(EXAMPLES / project)])
    diagnostics = json.loads(capsys.readouterr().out)["diagnostics"]
    assert status == 1
    in_dockerfile = {d["code"] for d in diagnostics if d["path"].endswith("Dockerfile")}
    in_compose = {d["code"] for d in diagnostics if d["path"].endswith("compose.yaml")}
    assert in_dockerfile == EXPECTED_FINDINGS[project]
    assert in_compose == EXPECTED_RUNTIME_FINDINGS[project]


def test_examples_are_accepted_by_buildkits_parser() -> None:
    for project in PROJECTS:
        assert dockerfile.parse_file(str(Path(EXAMPLES / project / "Dockerfile")))
