"""Build an image with BuildKit through the docker CLI (`dockwise.engine.buildkit` finds one that can),
streaming its plain progress, and read from that progress which steps ran and which came from the cache.

docker-py's build goes through the classic builder on engines without BuildKit in the API, which
rejects `RUN --mount` and the other syntax dockwise recommends; the CLI is the reliable way in.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dockwise.engine.buildkit import find_buildkit_client
from dockwise.engine.session import EngineError

BUILD_TIMEOUT_SECONDS = 1800

_STEP = re.compile(r"^#(\d+) \[([^\]]+)\] (.+)$")
_CACHED = re.compile(r"^#(\d+) CACHED$")
_DONE = re.compile(r"^#(\d+) DONE (\d+(?:\.\d+)?)s$")
_ERROR = re.compile(r"^#(\d+) ERROR: (.*)$")


@dataclass
class BuildStep:
    number: int
    stage: str
    """BuildKit's position label: `2/4`, `build 3/5`."""
    instruction: str
    cached: bool = False
    seconds: float | None = None


@dataclass
class BuildResult:
    image_id: str
    seconds: float
    steps: list[BuildStep] = field(default_factory=list)
    log: str = ""

    @property
    def ran(self) -> list[BuildStep]:
        """Steps that were executed, not taken from the cache. FROM is left out: BuildKit reports the
        base image's resolution as a step, cached or not, but it runs nothing."""
        return [step for step in self.steps if not step.cached and not step.instruction.startswith("FROM")]


def build_image(
    context: Path,
    dockerfile: Path | None = None,
    target: str | None = None,
    labels: Mapping[str, str] | None = None,
    no_cache: bool = False,
    on_line: Callable[[str], None] | None = None,
    timeout: float = BUILD_TIMEOUT_SECONDS,
) -> BuildResult:
    """Build `context` (with `dockerfile`, `target`); the image carries `labels`. EngineError on failure,
    with the end of BuildKit's output."""
    client = find_buildkit_client()
    if client is None:
        raise EngineError(
            "no docker client here builds with BuildKit (`docker buildx` or Debian's docker.io with "
            "DOCKER_BUILDKIT=1)"
        )
    with tempfile.TemporaryDirectory(prefix="dockwise-build-") as scratch:
        iidfile = Path(scratch) / "iid"
        arguments: list[str] = ["--progress=plain", "--iidfile", str(iidfile)]
        for name, value in (labels or {}).items():
            arguments += ["--label", f"{name}={value}"]
        if dockerfile is not None:
            arguments += ["--file", str(dockerfile)]
        if target:
            arguments += ["--target", target]
        if no_cache:
            arguments.append("--no-cache")
        command = client.command(*arguments, str(context))
        started = time.perf_counter()
        lines = _run(command, client.environment(), on_line, timeout)
        seconds = time.perf_counter() - started
        log = "\n".join(lines)
        if not iidfile.exists():
            tail = "\n".join(lines[-25:])
            raise EngineError(f"the build of {context} failed:\n{tail}")
        image_id = iidfile.read_text(encoding="utf-8").strip()
    return BuildResult(image_id, seconds, parse_steps(lines), log)


def parse_steps(lines: Sequence[str]) -> list[BuildStep]:
    """The Dockerfile steps of a plain progress log (BuildKit's `[internal]` work left out)."""
    steps: dict[int, BuildStep] = {}
    for line in lines:
        if match := _STEP.match(line):
            number, stage, instruction = int(match[1]), match[2], match[3]
            if stage != "internal" and not stage.startswith("internal") and number not in steps:
                steps[number] = BuildStep(number, stage, instruction)
        elif (match := _CACHED.match(line)) and int(match[1]) in steps:
            steps[int(match[1])].cached = True
        elif (match := _DONE.match(line)) and int(match[1]) in steps:
            steps[int(match[1])].seconds = float(match[2])
    return [steps[number] for number in sorted(steps)]


def _run(
    command: list[str], env: dict[str, str], on_line: Callable[[str], None] | None, timeout: float
) -> list[str]:
    """Run the build, line by line; the process is killed on timeout or interrupt."""
    lines: list[str] = []
    process = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + timeout
    try:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.rstrip("\n")
            lines.append(line)
            if on_line is not None:
                on_line(line)
            if time.monotonic() > deadline:
                raise EngineError(f"the build took longer than {timeout:.0f} s")
        process.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise EngineError(f"the build took longer than {timeout:.0f} s") from None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return lines
