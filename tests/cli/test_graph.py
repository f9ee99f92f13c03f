"""`dockwise graph`: the stage graph in each format, and clear errors for what it cannot read."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.cli.test_cli import run, write
from tests.dockerfile.test_stage_graph import TWO_BUILDERS


@pytest.fixture
def dockerfile(tmp_path: Path) -> Path:
    return write(tmp_path / "Dockerfile", TWO_BUILDERS)


def test_text_names_waves_critical_path_and_what_the_target_leaves_out(
    dockerfile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "graph", str(dockerfile.parent))
    assert status == 0
    assert "wave 1 (run at the same time):\n    web  FROM node:22-slim, 2 steps\n" in out
    assert "    api  FROM golang:1.22, 3 steps\n  wave 2:\n" in out
    assert "critical path (by build steps): api -> stage-3, 5 steps" in out
    assert "not built for target stage-3: test" in out
    assert "      uses web (COPY --from, line 15)" in out


def test_json_carries_the_graph(dockerfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "graph", str(dockerfile), "--format", "json", "--target", "test")
    assert status == 0
    document = json.loads(out)
    assert document["target"] == "test"
    assert document["waves"] == [[1], [2]]
    assert document["not_built"] == [0, 3]
    assert document["critical_path"] == [1, 2]
    assert {"from": 1, "to": 2, "kind": "from", "line": 10} in document["edges"]


def test_mermaid_and_dot_have_a_node_per_stage_and_an_edge_per_use(
    dockerfile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, mermaid, _ = run(capsys, "graph", str(dockerfile), "--format", "mermaid")
    assert mermaid.startswith("flowchart LR\n")
    assert len(re.findall(r'^  s\d\["', mermaid, re.MULTILINE)) == 4
    assert len(re.findall(r"^  s\d -->\|", mermaid, re.MULTILINE)) == 3
    assert "  class s2 unused" in mermaid
    _, dot, _ = run(capsys, "graph", str(dockerfile), "--format", "dot")
    assert dot.startswith("digraph stages {")
    assert dot.rstrip().endswith("}")
    assert len(re.findall(r"^  s\d -> s\d ", dot, re.MULTILINE)) == 3
    assert dot.count("[label=") == 7


def test_svg_is_well_formed_with_a_box_per_stage(
    dockerfile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = dockerfile.parent / "graph.svg"
    status, out, _ = run(capsys, "graph", str(dockerfile), "--format", "svg", "-o", str(output))
    assert status == 0
    assert out == ""
    root = ElementTree.fromstring(output.read_text())
    namespace = "{http://www.w3.org/2000/svg}"
    stages = [g.get("data-stage") for g in root.iter(f"{namespace}g") if g.get("class") == "stage"]
    assert stages == ["web", "api", "test", "stage-3"]
    edges = [p for p in root.iter(f"{namespace}path") if p.get("class") == "edge"]
    assert len(edges) == 3
    orange = [p for p in edges if p.get("stroke") == "#d9480f"]
    assert len(orange) == 1  # api -> final: the critical path's one edge


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing/Dockerfile"], "cannot read"),
        (["Dockerfile", "--target", "nope"], "no stage named 'nope' (named stages: web, api, test)"),
        (["Dockerfile", "--build-arg", "NOVALUE"], "write NAME=VALUE"),
        (["Dockerfile", "-o", "no/such/dir/x.svg"], "cannot write"),
    ],
)
def test_bad_input_is_a_clear_error(
    dockerfile: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(dockerfile.parent)
    status, _, err = run(capsys, "graph", *arguments)
    assert status == 2
    assert message in err
    assert "Traceback" not in err


def test_a_syntax_error_is_reported_not_raised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN <<EOF\necho\n")
    status, _, err = run(capsys, "graph", str(broken))
    assert status == 2
    assert "unterminated heredoc" in err


def test_a_build_arg_can_change_which_stage_a_stage_builds_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dockerfile = write(
        tmp_path / "Dockerfile",
        "ARG BASE=builder\nFROM alpine:3.20 AS builder\nRUN echo hi > /x\nFROM ${BASE}\nRUN cat /x\n",
    )
    _, default, _ = run(capsys, "graph", str(dockerfile))
    assert "    stage-1  FROM ${BASE} (builder), 1 step\n      uses builder (FROM, line 4)" in default
    assert "2 of 2 stages built, in 2 waves" in default
    _, given, _ = run(capsys, "graph", str(dockerfile), "--build-arg", "BASE=alpine:3.20")
    assert "    stage-1  FROM ${BASE} (alpine:3.20), 1 step\n" in given
    assert "not built for target stage-1: builder" in given
    assert "1 of 2 stages built, in 1 wave\n" in given
