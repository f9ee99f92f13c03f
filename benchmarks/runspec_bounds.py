"""Time and peak memory of `dockwise lint` on the worst inputs of the Compose loader and the `docker run`
reader (issue 13): each input is written to a temporary folder and linted in a fresh process, whose peak
resident memory is read from the kernel (Linux). Pass `--src DIR` to measure another checkout's `src`
(e.g. the code before the fix); `--timeout` bounds each run.

    python benchmarks/runspec_bounds.py [--src DIR] [--timeout SECONDS] [--only NAME] [--format FORMAT]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
MEGABYTE = 1024 * 1024

#: Runs one lint in a child and prints its peak resident memory: VmHWM, the high-water mark of the
#: process's own memory (ru_maxrss would include the parent's, inherited through fork and exec).
CHILD = """
import sys
from dockwise.cli import main
status = main(["lint", "--format", sys.argv[2], sys.argv[1]])
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(f"{int(peak.split()[1]) / 1024:.0f}", file=sys.stderr)
sys.exit(status)
"""


def long_command() -> tuple[str, str]:
    return "compose.yaml", 'services:\n  web:\n    image: x\n    command: "' + "a" * (MEGABYTE - 100) + '"\n'


def many_services() -> tuple[str, str]:
    return "compose.yaml", "services:\n" + "".join(f"  s{i}:\n    image: nginx\n" for i in range(20_000))


def string_bomb() -> tuple[str, str]:
    lines = [f'x-s: &s "$${"x" * 1500}"', "x-a0: &a0 [" + ", ".join(["*s"] * 10) + "]"]
    for i in range(1, 6):
        aliases = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"x-a{i}: &a{i}\n  <<: [{{k: *a{i - 1}}}]\n  l: [{aliases}]")
    return "compose.yaml", "\n".join(lines) + "\nservices:\n  web:\n    image: x\n    labels: {big: *a4}\n"


def recursive_alias() -> tuple[str, str]:
    return "compose.yaml", "services:\n  web:\n    image: x\n    command: &a [*a]\n"


def deep_interpolation() -> tuple[str, str]:
    return "compose.yaml", 'services:\n  web:\n    image: "' + "${A:-" * 20_000 + "x" + "}" * 20_000 + '"\n'


def many_nodes() -> tuple[str, str]:
    values = "1," * (MEGABYTE // 2 - 50)
    return "compose.yaml", f"services:\n  web:\n    image: x\n    labels: [{values}1]\n"


def tiny_commands_script() -> tuple[str, str]:
    return "run.sh", "docker run --privileged nginx\n" + "a|" * (32 * 1024 - 20) + "a\n"


def docker_run_script() -> tuple[str, str]:
    return "run.sh", "docker run --health-interval x nginx\n" * 1_500


INPUTS: dict[str, Callable[[], tuple[str, str]]] = {
    "1 MB command: string": long_command,
    "20,000 services": many_services,
    "2 KB alias bomb (strings, merge keys)": string_bomb,
    "recursive alias": recursive_alias,
    "${A:-...} 20,000 deep": deep_interpolation,
    "1 MB of YAML nodes": many_nodes,
    "64 K of `a|a|...` shell": tiny_commands_script,
    "1,500 docker run lines": docker_run_script,
}


def measure(source: Path, name: str, text: str, timeout: float, output: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        environment = {**os.environ, "PYTHONPATH": str(source)}
        start = time.perf_counter()
        try:
            completed = subprocess.run(
                [sys.executable, "-c", CHILD, str(path), output],
                capture_output=True,
                text=True,
                timeout=timeout,
                env=environment,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"over {timeout:.0f} s"
        seconds = time.perf_counter() - start
    lines = completed.stderr.strip().splitlines()
    peak = lines[-1] if lines and lines[-1].isdigit() else "?"
    outcome = "internal error" if "internal error" in completed.stderr else f"exit {completed.returncode}"
    return f"{seconds:6.2f} s  {peak:>5} MB  {outcome}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--src", type=Path, default=REPO_ROOT / "src")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--only", help="measure the inputs whose name contains this")
    parser.add_argument("--format", default="text", help="the reporter (default: text)")
    arguments = parser.parse_args(argv)
    print(f"{datetime.date.today().isoformat()} on {platform.platform()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, dockwise from {arguments.src}")  # fmt: skip
    for label, make in INPUTS.items():
        if arguments.only and arguments.only not in label:
            continue
        name, text = make()
        result = measure(arguments.src, name, text, arguments.timeout, arguments.format)
        print(f"  {label:<40} {len(text):>9} bytes  {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
