"""`--write-baseline` / `--baseline` (only new findings) and `--statistics`, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwise.cli import main

DOCKERFILE = """\
FROM node:latest
WORKDIR /app
ADD . /app
RUN npm install
CMD node server.js
"""

COMPOSE = """\
services:
  web:
    image: nginx:1.27
    ports:
      - "8080:80"
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    return tmp_path


def _found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *options: str
) -> tuple[int, list[tuple[str, int]]]:
    status = main(["check", "--isolated", "--format", "json", *options, str(tmp_path)])
    diagnostics = json.loads(capsys.readouterr().out)["diagnostics"]
    return status, sorted((d["code"], d["line"]) for d in diagnostics)


def test_a_baseline_hides_todays_findings_and_survives_unrelated_edits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path)
    baseline = tmp_path / "baseline.json"
    status, before = _found(project, capsys)
    assert status == 1
    assert len(before) >= 5
    assert main(["check", "--isolated", "--write-baseline", str(baseline), str(project)]) == 0
    assert f"{len(before)} findings recorded" in capsys.readouterr().err
    assert len(json.loads(baseline.read_text())["findings"]) == len(before)
    assert _found(project, capsys, "--baseline", str(baseline)) == (0, [])
    # Lines moved, comments and an unrelated instruction added: nothing new.
    (project / "Dockerfile").write_text(
        "# build the API\n\n" + DOCKERFILE.replace("WORKDIR /app\n", "WORKDIR /app\nENV PORT=3000\n")
    )
    (project / "compose.yaml").write_text("# local stack\n" + COMPOSE)
    assert _found(project, capsys, "--baseline", str(baseline)) == (0, [])


def test_a_new_finding_shows_through_the_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path)
    baseline = tmp_path / "baseline.json"
    assert main(["check", "--isolated", "--write-baseline", str(baseline), str(project)]) == 0
    capsys.readouterr()
    # A second copy of a known mistake is new, and so is a new one.
    (project / "Dockerfile").write_text(DOCKERFILE + "ADD . /app\nRUN apt-get install -y curl\n")
    status, found = _found(project, capsys, "--baseline", str(baseline))
    assert status == 1
    assert ("DW501", 6) in found  # ADD for local files, second copy
    assert {line for _, line in found} <= {6, 7}
    assert any(line == 7 for _, line in found)


def test_a_broken_baseline_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path)
    baseline = tmp_path / "baseline.json"
    baseline.write_text("{not json")
    assert main(["check", "--isolated", "--baseline", str(baseline), str(project)]) == 2
    assert "not a dockwise baseline" in capsys.readouterr().err
    baseline.write_text('{"tool": "other"}')
    assert main(["check", "--isolated", "--baseline", str(baseline), str(project)]) == 2
    assert "not a dockwise baseline" in capsys.readouterr().err


def test_statistics_count_each_rule_and_its_fixes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path)
    main(["check", "--isolated", "--format", "json", str(project)])
    diagnostics = json.loads(capsys.readouterr().out)["diagnostics"]
    assert main(["check", "--isolated", "--statistics", str(project)]) == 1
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[1]: int(line.split()[0]) for line in lines[:-1]}
    expected: dict[str, int] = {}
    for diagnostic in diagnostics:
        expected[diagnostic["code"]] = expected.get(diagnostic["code"], 0) + 1
    assert rows == expected
    fixable = sum(1 for d in diagnostics if d["fixable"] == "safe")
    unsafe = sum(1 for d in diagnostics if d["fixable"] == "unsafe")
    more = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
    counted = f"{len(diagnostics)} findings, {fixable} fixable with `dockwise fix`{more}"
    assert lines[-1] == f"{counted}, from {len(rows)} rules."
