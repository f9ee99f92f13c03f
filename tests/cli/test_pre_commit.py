"""The pre-commit hooks (`.pre-commit-hooks.yaml`) run by the real pre-commit on a throwaway repository:
a commit with a Dockerfile mistake is stopped, the fixed one goes through, and `dockwise-fix` repairs.

pre-commit installs dockwise from this repository's HEAD into its own virtualenv (from the package index,
as a user's machine would), so the hooks file under test is the committed one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, in_ci

BAD = "FROM alpine:3.20\nRUN apk add git\n"
GOOD = "FROM alpine:3.20\nRUN apk add --no-cache git\n"
COMPOSE = "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n"


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        reason = f"{name} is not installed (pip install -e '.[test]')"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def head() -> str:
    git = _tool("git")
    done = subprocess.run(
        [git, "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip("not a git checkout: pre-commit installs hooks from a commit")
    return done.stdout.strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _project(tmp_path: Path, head: str, hook: str) -> tuple[Path, dict[str, str]]:
    git = _tool("git")
    project = tmp_path / "project"
    project.mkdir()
    environment = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid"}
    environment |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    subprocess.run([git, "init", "-q", str(project)], check=True)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO_ROOT}\n    rev: {head}\n    hooks:\n      - id: {hook}\n"
    )
    return project, environment


def _run(
    command: list[str], project: Path, environment: dict[str, str], home: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=project,
        env={**environment, "PRE_COMMIT_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_commit_with_a_mistake_is_stopped_and_the_fixed_one_passes(
    tmp_path: Path, head: str, pre_commit_home: Path
) -> None:
    git, pre_commit = _tool("git"), _tool("pre-commit")
    project, environment = _project(tmp_path, head, "dockwise")
    assert _run([pre_commit, "install"], project, environment, pre_commit_home).returncode == 0
    (project / "Dockerfile").write_text(BAD)
    (project / "notes.yaml").write_text("not: [a compose file\n")  # other YAML is not dockwise's
    _run([git, "add", "-A"], project, environment, pre_commit_home)
    stopped = _run([git, "commit", "-q", "-m", "bad"], project, environment, pre_commit_home)
    assert stopped.returncode != 0, stopped.stdout + stopped.stderr
    said = stopped.stdout + stopped.stderr
    assert "DW204" in said
    assert "notes.yaml" not in said
    (project / "Dockerfile").write_text(GOOD)
    (project / "compose.yaml").write_text(COMPOSE)
    _run([git, "add", "-A"], project, environment, pre_commit_home)
    stopped = _run([git, "commit", "-q", "-m", "compose"], project, environment, pre_commit_home)
    assert stopped.returncode != 0
    assert "DW710" in stopped.stdout + stopped.stderr  # the privileged Compose service
    (project / "compose.yaml").write_text(COMPOSE.replace("    privileged: true\n", ""))
    (project / ".dockwise.toml").write_text('ignore = ["DW7"]\n')
    _run([git, "add", "-A"], project, environment, pre_commit_home)
    passed = _run([git, "commit", "-q", "-m", "good"], project, environment, pre_commit_home)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_the_fix_hook_repairs_the_dockerfile(tmp_path: Path, head: str, pre_commit_home: Path) -> None:
    pre_commit = _tool("pre-commit")
    project, environment = _project(tmp_path, head, "dockwise-fix")
    (project / "Dockerfile").write_text(BAD)
    _run([_tool("git"), "add", "-A"], project, environment, pre_commit_home)
    first = _run([pre_commit, "run", "--all-files"], project, environment, pre_commit_home)
    assert first.returncode == 1  # files were modified by this hook
    assert (project / "Dockerfile").read_text() == GOOD
    second = _run([pre_commit, "run", "--all-files"], project, environment, pre_commit_home)
    assert second.returncode == 0, second.stdout
