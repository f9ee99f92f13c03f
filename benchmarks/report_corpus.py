"""`dockwise report` over the whole corpus (every Dockerfile and Compose file), as users run it: the
`dockwise` command of a regular install, one process, the files given on the command line (the corpus
names are not the names discovery looks for). Prints the time of each run, and the size of the page.

No peer writes such a page, so there is no ratio: the target is the issue's, under 10 s for the corpus.

    python benchmarks/report_corpus.py [--corpus DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from installed import regular_install

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args(argv)
    files = sorted(
        str(path) for path in arguments.corpus.rglob("*") if path.is_file() and path.suffix != ".tsv"
    )
    files = [path for path in files if not path.endswith("README.md")]
    if not files:
        print(f"no corpus at {arguments.corpus}", file=sys.stderr)
        return 2
    machine = f"{platform.platform()}, {os.cpu_count()} CPUs"
    print(f"{datetime.date.today().isoformat()} on {machine}, {len(files)} files")
    with tempfile.TemporaryDirectory(prefix="dockwise-report-") as folder:
        python = regular_install(Path(folder))
        page = Path(folder) / "report.html"
        seconds = []
        for _ in range(arguments.runs):
            start = time.perf_counter()
            done = subprocess.run(
                [str(python), "-m", "dockwise", "report", *files, "-o", str(page)],
                capture_output=True,
                text=True,
                check=False,
            )
            seconds.append(time.perf_counter() - start)
            if done.returncode not in (0, 2):
                print(done.stderr, file=sys.stderr)
                return 1
        print(done.stdout.strip())
        print(
            f"dockwise report: median {statistics.median(seconds):.2f} s of {arguments.runs} runs "
            f"(best {min(seconds):.2f} s), page {page.stat().st_size / 1e6:.1f} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
