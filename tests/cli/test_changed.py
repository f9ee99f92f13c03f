"""`dockwise changed`: the re-run steps per Dockerfile of a project, and the exit status CI reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run, write

COPY_ALL_FIRST = 'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n'
MANIFESTS_FIRST = (
    "FROM node:22\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n"
    'CMD ["node", "server.js"]\n'
)


def test_a_readme_edit_that_reruns_npm_ci_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "api" / "Dockerfile", COPY_ALL_FIRST)
    write(tmp_path / "web" / "Dockerfile", MANIFESTS_FIRST)
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "changed", "api/README.md", "web/README.md")
    assert status == 1
    assert "api/Dockerfile (target stage-0): 2 of 3 steps re-run, 1 costly (1 avoidable)" in out
    assert "avoidable (no dependency manifest changed): `npm ci` installs Node.js dependencies" in out
    assert "web/Dockerfile (target stage-0): 1 of 4 steps re-run" in out
    assert run(capsys, "changed", "--exit-zero", "api/README.md")[0] == 0


def test_a_manifest_change_may_rerun_the_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "Dockerfile", MANIFESTS_FIRST)
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "changed", "--format", "json", "package-lock.json")
    assert status == 0
    (dockerfile,) = json.loads(out)["dockerfiles"]
    assert [(r["line"], r["avoidable"]) for r in dockerfile["reruns"]] == [(3, False), (4, False), (5, False)]
    assert dockerfile["reruns"][1]["costly"] == "`npm ci` installs Node.js dependencies"


def test_files_outside_a_context_change_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "api" / "Dockerfile", COPY_ALL_FIRST)
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "changed", "docs/index.md")
    assert status == 0
    assert "nothing re-runs, all 3 steps stay cached" in out


def test_bad_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "changed", "--project", str(tmp_path / "nope"), "x")
    assert status == 2
    assert "not a directory" in err
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN <<EOF\n")
    status, out, _ = run(capsys, "changed", "--project", str(tmp_path), "x")
    assert status == 2
    assert "unterminated heredoc" in out


def test_measured_step_times_from_verify_are_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "Dockerfile", COPY_ALL_FIRST)
    steps = [
        {
            "stage": "stage-0 1/4",
            "instruction": "FROM docker.io/library/node:22",
            "cached": False,
            "seconds": 0.1,
        },
        {"stage": "stage-0 2/4", "instruction": "WORKDIR /app", "cached": False, "seconds": 0.2},
        {"stage": "stage-0 3/4", "instruction": "COPY . .", "cached": False, "seconds": 0.4},
        {"stage": "stage-0 4/4", "instruction": "RUN npm ci", "cached": False, "seconds": 41.5},
    ]
    verify = write(tmp_path / "verify.json", json.dumps({"build": {"seconds": 43.0, "steps": steps}}))
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "changed", "--verify-json", str(verify), "server.js")
    assert status == 1
    assert "RUN npm ci  (follows the re-run step on line 3)  41.5 s when verify built it" in out
    assert "about 41.9 s of measured build time re-runs" in out


def test_a_dockerfile_is_built_from_the_context_its_compose_file_gives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """opentelemetry-demo builds `src/email/Dockerfile` from the repository root (`COPY ./src/email/Gemfile`):
    taking the Dockerfile's own directory as the context, a change to that Gemfile re-ran nothing."""
    write(
        tmp_path / "src" / "email" / "Dockerfile",
        "FROM ruby:3.3-alpine AS base\nWORKDIR /app\nCOPY ./src/email/Gemfile ./\nRUN bundle install\n"
        "FROM base AS dev\nCOPY ./src/email/ ./\n",
    )
    write(  # the Dockerfile named through .env, as opentelemetry-demo does
        tmp_path / "compose.yaml",
        "services:\n  email:\n    build:\n      context: ./\n      dockerfile: ${EMAIL_DOCKERFILE}\n"
        "      target: base\n",
    )
    write(tmp_path / ".env", "EMAIL_DOCKERFILE=./src/email/Dockerfile\n")
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "changed", "--format", "json", "src/email/Gemfile")
    assert status == 0  # the manifest changed: the install has to run
    (dockerfile,) = json.loads(out)["dockerfiles"]
    assert dockerfile["target"] == "base"  # the Compose file's target
    assert [(r["line"], r["reason"]) for r in dockerfile["reruns"]] == [
        (3, "copies src/email/Gemfile"),
        (4, "follows the re-run step on line 3"),
    ]
