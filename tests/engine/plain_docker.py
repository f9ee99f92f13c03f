"""The checks verify makes, done by hand with the docker CLI, as a user would type them: `docker run -d`,
`docker inspect`, `docker stop -t N` timed, `docker top`, `docker exec`. verify's verdicts are held
against these (tests/engine/test_verify_agrees.py).

Debian's docker.io client (/usr/bin/docker) is used; the client first on PATH may be another one. Every
container carries the test label and is removed by `remove_all`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tests.engine.conftest import TEST_LABEL, skip_or_fail

DEBIAN_DOCKER = Path("/usr/bin/docker")


def docker_cli() -> str:
    """The docker client to compare with: Debian's, else the one on PATH, else skip (fail under CI)."""
    if DEBIAN_DOCKER.is_file():
        return str(DEBIAN_DOCKER)
    found = shutil.which("docker")
    if found is None:
        skip_or_fail("no docker CLI to compare verify with; run scripts/engine-setup as root")
    return found


@dataclass(frozen=True)
class Stopped:
    """What `docker stop -t N` took, and the exit code `docker inspect` reports afterwards."""

    seconds: float
    exit_code: int


@dataclass
class PlainDocker:
    docker: str
    created: list[str] = field(default_factory=list)

    def cli(self, *arguments: str, timeout: float = 60) -> str:
        completed = subprocess.run(
            [self.docker, *arguments],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if completed.returncode != 0:
            command = " ".join(arguments)
            raise AssertionError(f"docker {command} exited {completed.returncode}: {completed.stderr}")
        return completed.stdout.strip()

    def run(self, image: str, *options: str) -> str:
        """`docker run -d [options] image`, labelled: the container id."""
        container = self.cli("run", "-d", "--label", f"{TEST_LABEL}=1", *options, image)
        self.created.append(container)
        return container

    def state(self, container: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.cli("inspect", "--format", "{{json .State}}", container))
        return document

    def health(self, container: str, timeout: float) -> str:
        """`docker inspect --format '{{.State.Health.Status}}'`, polled until it is no longer `starting`;
        `none` for a container without a health check."""
        deadline = time.monotonic() + timeout
        status_format = "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}"
        while True:
            status = self.cli("inspect", "--format", status_format, container)
            if status != "starting" or time.monotonic() > deadline:
                return status
            time.sleep(0.1)

    def time_to_healthy(self, container: str) -> float:
        """Docker's own figure: from State.StartedAt to the end of the first passing health probe."""
        state = self.state(container)
        passed = [entry for entry in state["Health"]["Log"] if entry["ExitCode"] == 0]
        assert passed, state["Health"]
        return _seconds(passed[0]["End"]) - _seconds(state["StartedAt"])

    def stop(self, container: str, grace: int) -> Stopped:
        """`docker stop -t grace`, timed, then the exit code from `docker inspect`."""
        started = time.monotonic()
        self.cli("stop", "-t", str(grace), container, timeout=grace + 60)
        seconds = time.monotonic() - started
        return Stopped(seconds, int(self.cli("inspect", "--format", "{{.State.ExitCode}}", container)))

    def top_uids(self, container: str) -> list[int]:
        """The UIDs of every process of the container, from `docker top <c> -eo pid,uid` (the engine
        needs the PID column to pick the container's processes out of the host's)."""
        rows = self.cli("top", container, "-eo", "pid,uid").splitlines()[1:]
        return sorted({int(row.split()[1]) for row in rows if row.strip()})

    def commands(self, container: str) -> list[str]:
        """The command names of its processes, from `docker top <c> -eo pid,comm`."""
        rows = self.cli("top", container, "-eo", "pid,comm").splitlines()[1:]
        return [row.split(None, 1)[1] for row in rows if len(row.split()) > 1]

    def exec_uid(self, container: str) -> int:
        """`docker exec <c> id -u`: the user a command run in the container gets (its configured USER)."""
        return int(self.cli("exec", container, "id", "-u"))

    def remove_all(self) -> list[str]:
        """Remove every container made here; return those that the label filter still finds (none)."""
        if self.created:
            subprocess.run(
                [self.docker, "rm", "-f", "-v", *self.created],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
            )
        left = self.cli("ps", "-aq", "--no-trunc", "--filter", f"label={TEST_LABEL}=1").split()
        return [container for container in self.created if container in left]


def _seconds(timestamp: str) -> float:
    """An engine timestamp (RFC 3339 with nanoseconds, UTC) as Unix seconds."""
    whole, _, fraction = timestamp.rstrip("Z").partition(".")
    moment = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return moment.timestamp() + float(f"0.{fraction or '0'}")
