"""The GitHub Action (`action.yml`): valid against the GitHub Action schema that check-jsonschema ships, and
its shell steps run here as the runner would run them (bash -eo pipefail, inputs and `github.action_path`
substituted, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), on a project with a mistake and on a clean one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT

ACTION = REPO_ROOT / "action.yml"


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "check_jsonschema",
        "--builtin-schema",
        "vendor.github-actions",
        str(path),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_the_action_is_valid_against_the_github_action_schema(tmp_path: Path) -> None:
    assert _validate(ACTION).returncode == 0
    broken = yaml.safe_load(ACTION.read_text())
    broken["runs"]["using"] = "docker-compose"  # no such runner: the validator must say so
    copy = tmp_path / "action.yml"
    copy.write_text(yaml.safe_dump(broken))
    assert _validate(copy).returncode != 0


def _expression(value: str, inputs: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name == "github.action_path":
            return str(REPO_ROOT)
        if name.startswith("inputs."):
            return inputs[name.removeprefix("inputs.")]
        raise AssertionError(f"expression the test does not know: {name}")

    return re.sub(r"\$\{\{(.*?)\}\}", replace, value)


def _run_steps(
    project: Path, runner_temp: Path, given: dict[str, str]
) -> tuple[int, str, dict[str, str], str]:
    """Run the action's `run:` steps in order (the `uses:` setup-python step is this machine's python3);
    the last status, the check step's output, GITHUB_OUTPUT's pairs and the step summary."""
    action: dict[str, Any] = yaml.safe_load(ACTION.read_text())
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()} | given
    output_file, summary_file = runner_temp / "output", runner_temp / "summary"
    output_file.touch()
    summary_file.touch()
    status, said = 0, ""
    for step in action["runs"]["steps"]:
        if "run" not in step:
            assert step["uses"].startswith("actions/setup-python@")
            continue
        assert step["shell"] == "bash"
        environment = {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": str(runner_temp),
            "RUNNER_TEMP": str(runner_temp),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
        }
        environment |= {key: _expression(str(value), inputs) for key, value in step.get("env", {}).items()}
        script = _expression(step["run"], inputs)
        bash = shutil.which("bash") or "/bin/bash"
        done = subprocess.run(
            [bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=project,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        status, said = done.returncode, done.stdout + done.stderr
        if step.get("id") != "check":
            assert status == 0, said
    pairs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
    return status, said, pairs, summary_file.read_text()


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runner")


def test_the_steps_annotate_write_sarif_and_fail_on_findings(tmp_path: Path, runner_temp: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Dockerfile").write_text("FROM alpine:3.20\nRUN apk add git\n")
    status, said, outputs, summary = _run_steps(project, runner_temp, {"fail-on": "warning"})
    assert status == 1
    assert "::warning file=Dockerfile,line=2" in said
    sarif = json.loads((project / outputs["sarif-file"]).read_text())
    results = sarif["runs"][0]["results"]
    assert [result["ruleId"] for result in results] == ["DW204"]
    assert outputs["findings"] == "1"
    assert "### dockwise" in summary
    assert "DW204" in summary


def test_the_steps_pass_on_a_clean_project_and_below_fail_on(tmp_path: Path, runner_temp: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Dockerfile").write_text("FROM alpine:3.20\nRUN apk add git\n")
    status, _, outputs, _ = _run_steps(project, runner_temp, {"fail-on": "error"})
    assert status == 0  # a warning, below fail-on
    assert outputs["findings"] == "1"
    (project / "Dockerfile").write_text("FROM alpine:3.20\nRUN apk add --no-cache git\n")
    (project / ".dockwise.toml").write_text('ignore = ["DW3", "DW4"]\n')
    status, said, outputs, _ = _run_steps(project, runner_temp, {})
    assert (status, outputs["findings"]) == (0, "0"), said
