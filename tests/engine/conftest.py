"""Fixtures for tests that need a real Docker Engine with BuildKit (marked `engine`).

`scripts/engine-setup` prepares the machine (dockerd, local base images). When something is missing the
fixtures skip with the precise reason, or fail with it when `CI=true`: CI must never pass by skipping.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from dockwise.engine.buildkit import BuildkitClient, find_buildkit_client
from tests.conftest import in_ci

TEST_LABEL = "dockwise.test"
"""Every image and container a test creates carries `dockwise.test=1`, so leftovers are easy to find."""
LABELS = {TEST_LABEL: "1"}

BUSYBOX_IMAGE = "dockwise-test/busybox:latest"
DEBIAN_IMAGE = "dockwise-test/debian:bookworm"
SETUP_HINT = "run scripts/engine-setup as root"
BUILD_TIMEOUT_SECONDS = 600


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test with `reason`, or fail it under CI=true."""
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass(frozen=True)
class Engine:
    """A Docker Engine that answers: docker-py's client for the API, the BuildKit client for builds."""

    client: Any
    """`docker.DockerClient` from `docker.from_env()` (honours DOCKER_HOST, DOCKER_TLS_VERIFY...)."""
    buildkit: BuildkitClient
    server_version: str

    def build(self, context: Path, tag: str, *arguments: str) -> tuple[str, str]:
        """Build `context` with BuildKit as `tag`, labelled `dockwise.test=1`: (image id, build output).

        Fails the test with the whole output when the build fails. The caller removes the image.
        """
        iidfile = context.parent / f"{context.name}.{uuid.uuid4().hex}.iid"
        label_args = [arg for name, value in LABELS.items() for arg in ("--label", f"{name}={value}")]
        command = self.buildkit.command(
            "--progress=plain", *label_args, "--tag", tag, "--iidfile", str(iidfile), *arguments, str(context)
        )
        completed = subprocess.run(
            command,
            env=self.buildkit.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=BUILD_TIMEOUT_SECONDS,
            check=False,
        )
        if completed.returncode != 0:
            pytest.fail(f"{' '.join(command)} exited {completed.returncode}:\n{completed.stdout}")
        try:
            return iidfile.read_text(encoding="utf-8").strip(), completed.stdout
        finally:
            iidfile.unlink(missing_ok=True)

    def run(self, image: str, command: Sequence[str] | None = None, timeout: int = 120) -> tuple[int, str]:
        """Run `image` (labelled `dockwise.test=1`) to completion: (exit status, stdout). Always removed."""
        container = self.client.containers.run(
            image, command=list(command) if command is not None else None, detach=True, labels=LABELS
        )
        try:
            status = container.wait(timeout=timeout)
            output: bytes = container.logs(stdout=True, stderr=False)
            return int(status["StatusCode"]), output.decode("utf-8")
        finally:
            container.remove(force=True)

    def remove_image(self, image: str) -> None:
        """Remove an image a test created (by id or tag), ignoring one that is already gone."""
        import docker.errors

        with contextlib.suppress(docker.errors.ImageNotFound):
            self.client.images.remove(image, force=True)

    def has_image(self, name: str) -> bool:
        import docker.errors

        try:
            self.client.images.get(name)
        except docker.errors.ImageNotFound:
            return False
        return True


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    """The engine behind DOCKER_HOST (default: the local socket) plus a BuildKit client, or skip/fail."""
    try:
        import docker
        import docker.errors
    except ImportError:
        skip_or_fail("docker-py is not installed (pip install -e '.[test]')")
    where = os.environ.get("DOCKER_HOST") or "the default socket (unix:///var/run/docker.sock)"
    try:
        client = docker.from_env()
    except docker.errors.DockerException as error:
        skip_or_fail(f"no Docker Engine answers at {where}: {error}; {SETUP_HINT}")
    try:
        try:
            client.ping()
            server_version = str(client.version().get("Version", "unknown"))
        except (docker.errors.DockerException, OSError) as error:  # requests' errors are OSErrors
            skip_or_fail(f"the Docker Engine at {where} does not answer: {error}; {SETUP_HINT}")
        buildkit = find_buildkit_client()
        if buildkit is None:
            skip_or_fail(
                "no docker client builds with BuildKit: `docker buildx` is missing and no client on PATH or "
                f"at /usr/bin/docker supports DOCKER_BUILDKIT=1 (install Debian's docker.io); {SETUP_HINT}"
            )
        yield Engine(client=client, buildkit=buildkit, server_version=server_version)
    finally:
        client.close()


def require_image(engine: Engine, name: str) -> str:
    """`name` when the engine has that image, else skip (fail under CI=true) saying how to create it."""
    if not engine.has_image(name):
        skip_or_fail(f"base image {name} is missing from the engine; {SETUP_HINT}")
    return name


@dataclass(frozen=True)
class BaseImages:
    busybox: str


@pytest.fixture(scope="session")
def base_images(engine: Engine) -> BaseImages:
    """The local base images made by scripts/engine-setup (no registry here): at least busybox."""
    return BaseImages(busybox=require_image(engine, BUSYBOX_IMAGE))


@pytest.fixture(scope="session")
def debian_image(engine: Engine) -> str:
    """`dockwise-test/debian:bookworm` (debootstrap minbase, imported by scripts/engine-setup)."""
    return require_image(engine, DEBIAN_IMAGE)
