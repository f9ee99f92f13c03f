"""Large Dockerfiles: lint and fix are linear in the size, and memory stays bounded under the size cap.

Two shapes, each at several sizes: real Dockerfiles of `../shared/corpus` concatenated (many stages, long
RUNs), and one short RUN per line (the most instructions per byte, the worst case for per-instruction
work). For each: `dockwise lint --select ALL` and `dockwise fix --diff --unsafe-fixes` in a fresh process
(wall time and peak RSS), hadolint on the same file, and the library's `lint_text` past the CLI's 1 MiB cap
(up to 5 MB) to show the time per MB stays flat.

    python benchmarks/large_files.py [--corpus DIR] [--hadolint PATH]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from installed import regular_install

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "dockerfiles"
MIB = 1 << 20
HADOLINT_LIMIT = 120.0
"""hadolint is quadratic in the number of instructions: past this many seconds it is stopped."""


def concatenated_corpus(corpus: Path, size: int) -> str:
    """Whole corpus Dockerfiles, one after another, that parse alone and together, up to `size` bytes."""
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from dockwise.dockerfile import parse

    pieces: list[str] = []
    total = 0
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        text = text if text.endswith("\n") else text + "\n"
        if "escape" in text[:300] or text.rstrip().endswith(("\\", "`")) or total + len(text) > size:
            continue
        try:
            parse(text)
        except Exception:
            continue
        pieces.append(text)
        total += len(text)
    return "".join(pieces)


def one_run_per_line(size: int) -> str:
    lines = ["FROM debian:12"]
    total = 15
    number = 0
    while total < size:
        line = f"RUN echo {number} > /tmp/f{number}"
        lines.append(line)
        total += len(line) + 1
        number += 1
    return "\n".join(lines) + "\n"


def measured(command: Sequence[str], limit: float = 900) -> tuple[float | None, float]:
    """Wall seconds (None past `limit`) and this child's own peak RSS in MB (`wait4` gives one child's
    resource usage; getrusage's RUSAGE_CHILDREN would be the maximum over every child so far)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = start + limit
    while True:
        pid, _, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = 0  # reaped here; keep Popen from waiting again
            return time.perf_counter() - start, usage.ru_maxrss / 1024
        if time.perf_counter() > deadline:
            process.kill()
            _, _, usage = os.wait4(process.pid, 0)
            process.returncode = -9
            return None, usage.ru_maxrss / 1024
        time.sleep(0.01)


def hadolint_refuses(hadolint: str, path: Path) -> bool:
    """hadolint's parser stops at constructs BuildKit accepts (and then checks nothing): a fast run that
    only reports a parse error is no comparison."""
    try:
        done = subprocess.run(
            [hadolint, "--no-fail", "--format", "json", str(path)],
            capture_output=True,
            text=True,
            timeout=HADOLINT_LIMIT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return '"DL1000"' in done.stdout or "unexpected" in done.stdout


def library_seconds_per_mb(text: str) -> float:
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from dockwise.lint import dockerfile_rules, lint_text
    from dockwise.suppress import parse_selectors

    rules = dockerfile_rules(parse_selectors(["ALL"]))
    start = time.perf_counter()
    lint_text(text, "Dockerfile", rules)
    return (time.perf_counter() - start) / (len(text.encode()) / 1e6)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--hadolint", default=shutil.which("hadolint"))
    arguments = parser.parse_args(argv)
    machine = f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    print(f"{datetime.date.today()}, {machine}")
    print("| shape | size | lint s | lint MB | fix s | fix MB | hadolint s | hadolint / dockwise |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="dockwise-large-") as folder:
        dockwise = [str(regular_install(Path(folder))), "-m", "dockwise"]  # as users install it
        for shape in ("corpus", "runs"):
            for size in (MIB // 4, MIB // 2, MIB - 4096):
                text = (
                    concatenated_corpus(arguments.corpus, size)
                    if shape == "corpus"
                    else one_run_per_line(size)
                )
                path = Path(folder) / f"{shape}-{size}.Dockerfile"
                path.write_text(text, encoding="utf-8")
                lint_s, lint_mb = measured([*dockwise, "lint", "--exit-zero", "--select", "ALL", str(path)])
                assert lint_s is not None
                fix_s, fix_mb = measured(
                    [*dockwise, "fix", "--diff", "--unsafe-fixes", "--select", "ALL", str(path)]
                )
                hadolint = "-"
                ratio = "-"
                if arguments.hadolint:
                    hadolint_s, _ = measured([arguments.hadolint, "--no-fail", str(path)], HADOLINT_LIMIT)
                    if hadolint_refuses(arguments.hadolint, path):
                        hadolint, ratio = "refuses the file", "-"
                    elif hadolint_s is None:
                        hadolint, ratio = f"> {HADOLINT_LIMIT:.0f}", f"> {HADOLINT_LIMIT / lint_s:.0f}x"
                    else:
                        hadolint, ratio = f"{hadolint_s:.2f}", f"{hadolint_s / lint_s:.1f}x"
                size_mib = len(text.encode()) / MIB
                print(
                    f"| {shape} | {size_mib:.2f} MiB | {lint_s:.2f} | {lint_mb:.0f} "
                    f"| {fix_s:.2f} | {fix_mb:.0f} | {hadolint} | {ratio} |"
                )
    print()
    print("library lint_text (past the CLI's cap), seconds per MB:")
    for shape in ("corpus", "runs"):
        figures = []
        for size in (MIB, 2 * MIB + MIB // 2, 5 * MIB):
            text = (
                concatenated_corpus(arguments.corpus, size) if shape == "corpus" else one_run_per_line(size)
            )
            figures.append(f"{len(text.encode()) / 1e6:.1f} MB: {library_seconds_per_mb(text):.2f} s/MB")
        print(f"  {shape}: " + ", ".join(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
