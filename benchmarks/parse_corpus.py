"""Parse every corpus Dockerfile with dockwise, dockerfile-parse and BuildKit's parser, in one run.

All three read the same in-memory texts (file reading is not timed); each tool's best of `--repeat` runs is
reported with files per second and its ratio to dockwise. BuildKit's parser is reached through the
`dockerfile` package, which wraps its Go code. dockwise's figure includes building every instruction
(`.instructions`) and dockerfile-parse's includes `.structure`, so both produce their full result.

    python benchmarks/parse_corpus.py [--corpus DIR] [--repeat N] [--json]
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "dockerfiles"


@dataclass(frozen=True)
class Result:
    tool: str
    files: int
    failures: int
    seconds: float

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds if self.seconds else float("inf")


def read_corpus(directory: Path) -> tuple[list[str], int]:
    """The texts of every file under `directory` (sorted), and how many could not be decoded."""
    texts: list[str] = []
    undecodable = 0
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        try:
            texts.append(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            undecodable += 1
    return texts, undecodable


def parse_with_dockwise() -> Callable[[str], object]:
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from dockwise.dockerfile import parse

    return lambda text: parse(text).instructions


def parse_with_dockerfile_parse() -> Callable[[str], object]:
    from dockerfile_parse import DockerfileParser

    def run(text: str) -> object:
        parser = DockerfileParser(fileobj=io.BytesIO())
        parser.content = text
        return parser.structure

    return run


def parse_with_buildkit() -> Callable[[str], object]:
    import dockerfile

    return dockerfile.parse_string  # type: ignore[no-any-return]


TOOLS: dict[str, Callable[[], Callable[[str], object]]] = {
    "dockwise": parse_with_dockwise,
    "dockerfile-parse": parse_with_dockerfile_parse,
    "buildkit (dockerfile pkg, Go)": parse_with_buildkit,
}


def measure(name: str, parse: Callable[[str], object], texts: Sequence[str], repeat: int) -> Result:
    best = float("inf")
    failures = 0
    for _ in range(repeat):
        failures = 0
        start = time.perf_counter()
        for text in texts:
            try:
                parse(text)
            except Exception:  # a peer failing on a file is counted, not fatal
                failures += 1
        best = min(best, time.perf_counter() - start)
    return Result(name, len(texts), failures, best)


def machine() -> str:
    return f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    arguments = parser.parse_args(argv)
    if not arguments.corpus.is_dir():
        print(f"no corpus at {arguments.corpus}", file=sys.stderr)
        return 2
    texts, undecodable = read_corpus(arguments.corpus)
    results: list[Result] = []
    for name, load in TOOLS.items():
        try:
            parse = load()
        except ImportError as error:
            print(f"skipping {name}: {error} (pip install -e '.[test]')", file=sys.stderr)
            continue
        results.append(measure(name, parse, texts, arguments.repeat))
    reference = next((r for r in results if r.tool == "dockwise"), None)
    if arguments.json:
        document = {
            "date": datetime.date.today().isoformat(),
            "machine": machine(),
            "undecodable": undecodable,
            "results": [asdict(r) | {"files_per_second": r.files_per_second} for r in results],
        }
        print(json.dumps(document, indent=2))
        return 0
    print(f"{datetime.date.today().isoformat()} on {machine()}")
    print(f"{len(texts)} Dockerfiles ({undecodable} undecodable skipped), best of {arguments.repeat}")
    print(f"{'tool':<32} {'seconds':>8} {'files/s':>9} {'failures':>9} {'time vs dockwise':>17}")
    for result in results:
        ratio = f"{result.seconds / reference.seconds:.2f}x" if reference else "-"
        print(
            f"{result.tool:<32} {result.seconds:>8.3f} {result.files_per_second:>9.0f} "
            f"{result.failures:>9} {ratio:>17}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
