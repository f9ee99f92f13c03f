"""Lint the corpus's Compose files with dockwise and compose-lint, in one run, and print the ratio.

dockwise lints in-process (`lint_paths` on the files: loading, interpolation, schema validation and the
runtime rules); compose-lint (`--compose-lint PATH`; install it in its own virtualenv) gets the same files
in batches of paths per process, so neither pays a process start per file. compose-lint stops at files
it cannot parse, so its run counts the files it refused.

    python benchmarks/compose_corpus.py [--corpus DIR] [--compose-lint PATH]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "compose"
BATCH = 200


def time_dockwise(files: Sequence[Path]) -> tuple[float, int, int]:
    """Seconds, findings, and files linted (the corpus names are not Compose's, so they are given)."""
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from dockwise.lint import lint_paths

    start = time.perf_counter()
    report = lint_paths(files)
    return time.perf_counter() - start, len(report.diagnostics), len(report.files)


def time_compose_lint(command: str, files: Sequence[Path]) -> tuple[float, int]:
    refused = 0
    start = time.perf_counter()
    for offset in range(0, len(files), BATCH):
        batch = [str(path) for path in files[offset : offset + BATCH]]
        completed = subprocess.run(
            [command, "check", "--no-env", "-q", *batch], capture_output=True, text=True, check=False
        )
        refused += completed.returncode not in (0, 1)
    return time.perf_counter() - start, refused


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--compose-lint", help="compose-lint executable (default: on PATH)")
    arguments = parser.parse_args(argv)
    files = sorted(path for path in arguments.corpus.rglob("*") if path.is_file())
    if not files:
        print(f"no corpus at {arguments.corpus}", file=sys.stderr)
        return 2
    print(f"{datetime.date.today().isoformat()} on {platform.platform()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")  # fmt: skip
    print(f"corpus: {len(files)} Compose files")
    ours, findings, linted = time_dockwise(files)
    rate = linted / ours
    print(f"  dockwise      {ours:8.2f} s  {rate:8.0f} files/s  ({linted} files, {findings} findings)")
    command = arguments.compose_lint or shutil.which("compose-lint")
    if command is None:
        print("  compose-lint not found: install it in its own virtualenv and pass --compose-lint PATH")
        return 0
    theirs, refused = time_compose_lint(command, files)
    print(
        f"  compose-lint  {theirs:8.2f} s  {len(files) / theirs:8.0f} files/s  "
        f"({refused} batches ended in an error)  dockwise is {theirs / ours:.1f}x faster"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
