"""One run's hold on a Docker Engine: everything it creates carries the label `dockwise.verify=<run id>`,
and everything with that label is removed when the run ends, however it ends: normally, by an error, a
timeout, Ctrl-C (SIGINT) or SIGTERM.

Removal goes by the label, not by a list kept in memory, so a container created in the instant an
interrupt arrives is found too. While removing, further SIGINT/SIGTERM are held back (a second Ctrl-C
must not leave half the run behind) and delivered afterwards.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from types import FrameType, TracebackType
from typing import Any

from dockwise.errors import DockwiseError

LABEL = "dockwise.verify"


class EngineError(DockwiseError):
    """No engine answers, or it refused what the run asked."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM arrived (SIGINT raises KeyboardInterrupt itself)."""


def connect() -> Any:
    """docker-py's client for DOCKER_HOST (default: the local socket), checked with a ping."""
    try:
        import docker
        import docker.errors
    except ImportError:
        raise EngineError("talking to an engine needs docker-py (pip install docker)") from None
    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except (docker.errors.DockerException, OSError) as error:
        raise EngineError(f"no Docker Engine answers at {where}: {error}") from None
    return client


class EngineSession:
    """`with EngineSession(client) as session:` — create through it, and it all goes away at the end."""

    def __init__(self, client: Any, run_id: str | None = None) -> None:
        self.client = client
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self._previous: dict[int, Any] = {}

    @property
    def labels(self) -> dict[str, str]:
        return {LABEL: self.run_id}

    @property
    def label_filter(self) -> dict[str, str]:
        return {"label": f"{LABEL}={self.run_id}"}

    def __enter__(self) -> EngineSession:
        if threading.current_thread() is threading.main_thread():
            self._previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, _raise_interrupted)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            with _signals_held():
                self.cleanup()
        finally:
            for number, handler in self._previous.items():
                signal.signal(number, handler)

    def network(self) -> str:
        """A fresh bridge network of its own, internal (no route out): the container sees nothing else."""
        name = f"dockwise-verify-{self.run_id}-{uuid.uuid4().hex[:6]}"
        self.client.networks.create(name, driver="bridge", internal=True, labels=self.labels)
        return name

    def create(self, image: str, **options: Any) -> Any:
        """A container (not started), labelled for this run."""
        labels = {**(options.pop("labels", None) or {}), **self.labels}
        return self.client.containers.create(image, labels=labels, **options)

    def inspect_image(self, image: str) -> dict[str, Any]:
        import docker.errors

        try:
            return dict(self.client.api.inspect_image(image))
        except docker.errors.ImageNotFound:
            raise EngineError(f"{image}: no such image in the engine") from None

    def cleanup(self) -> list[str]:
        """Remove every container, network and volume (and image) labelled with this run; return what
        was removed, as `kind:id`."""
        import docker.errors

        removed = []
        for container in self.client.containers.list(all=True, filters=self.label_filter):
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True, v=True)
                removed.append(f"container:{container.id[:12]}")
        for network in self.client.networks.list(filters=self.label_filter):
            with contextlib.suppress(docker.errors.NotFound):
                network.remove()
                removed.append(f"network:{network.name}")
        for volume in self.client.volumes.list(filters=self.label_filter):
            with contextlib.suppress(docker.errors.NotFound):
                volume.remove(force=True)
                removed.append(f"volume:{volume.name}")
        for image in self.client.images.list(filters=self.label_filter):
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                self.client.images.remove(image.id, force=True)
                removed.append(f"image:{image.short_id}")
        return removed


def leftovers(client: Any, run_id: str | None = None) -> list[str]:
    """Containers, networks and volumes labelled by a verify run (any run, or `run_id`)."""
    selector = {"label": LABEL if run_id is None else f"{LABEL}={run_id}"}
    found = [f"container:{c.name}" for c in client.containers.list(all=True, filters=selector)]
    found += [f"network:{n.name}" for n in client.networks.list(filters=selector)]
    found += [f"volume:{v.name}" for v in client.volumes.list(filters=selector)]
    return found


def _raise_interrupted(number: int, frame: FrameType | None) -> None:
    raise Interrupted()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends, then are delivered (main thread only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield  # Windows has no signal mask; elsewhere only the main thread receives signals
        return
    wanted = {signal.SIGINT, signal.SIGTERM}
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
