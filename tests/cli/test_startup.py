"""`dockwise lint Dockerfile` starts fast: it must not import what only other inputs or commands need.

A one-file lint competes with hadolint's start-up (docs/benchmarks.md, "Cold start"); each module below
cost milliseconds there before it was kept off the lint path.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: Modules a lint of one plain Dockerfile does without, and what importing them cost.
NOT_ON_THE_LINT_PATH = (
    "dataclasses",  # 0.5 ms a class, and it imports inspect
    "inspect",
    "importlib.resources",  # through tree_sitter_bash's __init__, with tempfile and random
    "difflib",  # did-you-mean messages only
    "dockwise.rules.runtime",  # Compose files and docker run lines
    "dockwise.rules.image",
    "dockwise.runspec.model",
    "dockwise.image",
    "rich",  # colour on a terminal only
    "dockwise.shellcheck",  # DW690 is opt-in
)

PROGRAM = """
import sys
from dockwise.cli import main
main(["lint", "--exit-zero", sys.argv[1]])
print(" ".join(sorted(sys.modules)))
"""


def test_linting_one_dockerfile_imports_only_what_it_needs(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        'FROM python:3.12-slim\nRUN pip install --no-cache-dir flask && echo ok\nCMD ["python3"]\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(dockerfile)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    imported = set(result.stdout.splitlines()[-1].split())
    assert "dockwise.dockerfile.shell" in imported  # the RUN was analysed
    assert sorted(imported.intersection(NOT_ON_THE_LINT_PATH)) == []
