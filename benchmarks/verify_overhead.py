"""Time a `dockwise verify` run against the same engine operations done directly with the docker CLI.

The project: the local busybox base, a shell that handles SIGTERM, a HEALTHCHECK. Both sides do the
same work: a cold build, an isolated network, the hardened container started and watched until healthy,
`docker top`, one stats sample, `docker stop`, inspect, logs, removal, and a rebuild after a source
change. The CLI side is a shell script of those commands (the health wait polls `docker inspect`), so
the difference is what dockwise adds: Python, docker-py, parsing, the report.

    python benchmarks/verify_overhead.py [--runs 5]
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
sys.path.insert(0, str(REPO_ROOT / "src"))
BASE = "dockwise-test/busybox:latest"
APP = "trap 'exit 0' TERM\nwhile true; do sleep 1 & wait $!; done\n"
DOCKERFILE = f"""\
FROM {BASE}
COPY app.sh /app/app.sh
USER 10001:10001
HEALTHCHECK --interval=1s --timeout=1s --retries=3 CMD ["true"]
CMD ["/bin/sh", "/app/app.sh"]
"""
CLI_SCRIPT = """\
set -e
tag=dockwise-bench/verify-cli:$$
docker build --no-cache -q -t "$tag" "$1" > /dev/null
docker network create --internal "net-$$" > /dev/null
docker run -d --name "c-$$" --network "net-$$" --read-only --tmpfs /tmp --cap-drop ALL \\
  --security-opt no-new-privileges:true --memory 256m --memory-swap 256m --pids-limit 256 "$tag" > /dev/null
until [ "$(docker inspect -f '{{.State.Health.Status}}' "c-$$")" = healthy ]; do sleep 0.2; done
docker top "c-$$" -eo pid,uid,gid,comm > /dev/null
docker stats --no-stream "c-$$" > /dev/null
docker stop -t 10 "c-$$" > /dev/null
docker inspect "c-$$" > /dev/null
docker logs --tail 20 "c-$$" > /dev/null 2>&1
docker rm -f "c-$$" > /dev/null
docker network rm "net-$$" > /dev/null
cp -r "$1" "$1.changed" && printf '\\n ' >> "$1.changed/app.sh"
docker build -q -t "$tag" "$1.changed" > /dev/null
rm -rf "$1.changed"
docker rmi -f "$tag" > /dev/null
"""


def project(root: Path) -> Path:
    folder = root / "project"
    folder.mkdir()
    (folder / "Dockerfile").write_text(DOCKERFILE)
    (folder / "app.sh").write_text(APP)
    return folder


def time_cli(folder: Path, docker: str) -> float:
    env = {**os.environ, "DOCKER_BUILDKIT": "1", "PATH": f"{Path(docker).parent}:{os.environ['PATH']}"}
    started = time.perf_counter()
    subprocess.run(["sh", "-c", CLI_SCRIPT, "verify-cli", str(folder)], env=env, check=True)
    return time.perf_counter() - started


def time_dockwise(folder: Path) -> float:
    from dockwise.verify.run import VerifyOptions, verify

    started = time.perf_counter()
    report = verify(VerifyOptions(context=folder))
    elapsed = time.perf_counter() - started
    if report.failed:
        raise SystemExit(f"verify failed on the benchmark project: {report.probes}")
    return elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--docker", default="/usr/bin/docker", help="a BuildKit-capable docker client")
    arguments = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="dockwise-bench-verify-"))
    try:
        folder = project(root)
        cli, dockwise = [], []
        for _ in range(arguments.runs):  # interleaved, so drifting load hits both alike
            cli.append(time_cli(folder, arguments.docker))
            dockwise.append(time_dockwise(folder))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"{datetime.date.today().isoformat()} on {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, median of {arguments.runs} runs"
    )
    cli_median, dockwise_median = statistics.median(cli), statistics.median(dockwise)
    print(f"  docker CLI, the same operations  {cli_median:6.2f} s")
    overhead = dockwise_median / cli_median - 1
    print(f"  dockwise verify                  {dockwise_median:6.2f} s  overhead {overhead:+.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
