"""Run one container under a profile and measure what only running shows: does it start and stay up,
turn healthy (and when), as which UID, listening where, using how much memory and CPU, and how it stops.

Everything goes through docker-py and the host's /proc, never through a shell inside the image, so
distroless images are measured like any other.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockwise.engine.session import EngineSession

SETTLE_SECONDS = 2.0
"""Without a health check, a container still running this long after start counts as started."""
LOG_LINES = 20


@dataclass
class Observation:
    profile: Any = None
    """What the caller ran it with (verify's Profile), kept with the measurements."""
    error: str | None = None
    """The engine refused to create or start the container."""
    exit_code: int | None = None
    """Set when the container exited by itself before it was stopped."""
    oom_killed: bool = False
    restarts: int = 0
    health: str | None = None
    """"healthy", "unhealthy", "starting" (still, at the deadline) or None (the image has no check)."""
    healthy_after: float | None = None
    processes: list[tuple[int, int, str]] = field(default_factory=list)
    """(uid, gid, command) of every process, from `docker top`."""
    listening: set[int] | None = None
    """TCP ports with a listening socket, negative for loopback-only ones (None: the container's /proc
    was not readable from here)."""
    peak_memory: int | None = None
    cpu_percent: float | None = None
    stop_seconds: float | None = None
    stop_exit_code: int | None = None
    written: list[str] = field(default_factory=list)
    """Paths the container created or changed in its root filesystem (writable runs only)."""
    added: list[str] = field(default_factory=list)
    """Those of `written` that the container created (the rest existed in the image)."""
    pids: int | None = None
    """Processes and threads in the container's cgroup when sampled (the engine's pids_stats)."""
    logs: str = ""

    @property
    def works(self) -> bool:
        """Started, and either still running or finished cleanly, not killed for memory, not unhealthy."""
        if self.error is not None or self.oom_killed or self.health == "unhealthy":
            return False
        return self.exit_code in (None, 0)


def observe(
    session: EngineSession,
    image: str,
    options: dict[str, Any],
    grace: float,
    has_healthcheck: bool,
    startup_timeout: float,
    measure_stop: bool = True,
    cpu: bool = True,
) -> Observation:
    """Create (with docker-py `containers.create` `options`), start, watch and stop one container; it is
    removed before returning. `grace` is the stop's SIGTERM grace period in seconds. Without `cpu`, the
    statistics are one sample (0.5 s instead of the 2 s that a CPU percentage takes)."""
    import docker.errors

    result = Observation()
    try:
        container = session.create(image, **options)
    except docker.errors.APIError as error:
        result.error = _explain(error)
        return result
    try:
        requested_ns = time.time_ns()
        try:
            container.start()
        except docker.errors.APIError as error:
            result.error = _explain(error)
            return result
        _wait_started(session, container, result, has_healthcheck, requested_ns, startup_timeout)
        container.reload()
        if container.status == "running":
            _measure_running(container, result, cpu)
            if measure_stop:
                _stop(container, result, grace)
        else:
            result.exit_code = int(container.attrs["State"].get("ExitCode", 0))
        state = container.attrs["State"]
        result.oom_killed = bool(state.get("OOMKilled"))
        result.restarts = int(container.attrs.get("RestartCount") or 0)
        if not options.get("read_only"):
            with contextlib.suppress(docker.errors.APIError):
                changes = container.diff() or []
                result.written = sorted(change["Path"] for change in changes if change.get("Kind") in (0, 1))
                result.added = sorted(change["Path"] for change in changes if change.get("Kind") == 1)
        with contextlib.suppress(docker.errors.APIError):
            result.logs = container.logs(tail=LOG_LINES).decode("utf-8", "replace")
        return result
    finally:
        with contextlib.suppress(docker.errors.APIError):
            container.remove(force=True, v=True)


def _wait_started(
    session: EngineSession,
    container: Any,
    result: Observation,
    has_healthcheck: bool,
    requested_ns: int,
    timeout: float,
) -> None:
    """Until healthy or unhealthy (health_status events), or until it dies, or the deadline.

    The time to healthy counts from the engine's own State.StartedAt, as `docker inspect` does, not from
    the start request: creating the container's namespaces and mounts takes a few tenths of a second."""
    deadline = time.time() + (timeout if has_healthcheck else SETTLE_SECONDS)
    events = session.client.events(
        decode=True,
        filters={"container": container.id, "event": ["health_status", "die", "oom"]},
        since=requested_ns // 1_000_000_000,
        until=math.ceil(deadline),  # the stream ends there (whole seconds)
    )
    try:
        for event in events:
            status = str(event.get("status", ""))
            if status == "oom":
                result.oom_killed = True
                continue
            if status == "die":
                return
            if status.startswith("health_status"):
                health = status.split(":", 1)[1].strip()
                result.health = health
                if health == "healthy":
                    container.reload()
                    started_ns = _timestamp_ns(container.attrs["State"].get("StartedAt")) or requested_ns
                    result.healthy_after = (int(event.get("timeNano", time.time_ns())) - started_ns) / 1e9
                return
    finally:
        events.close()
    if has_healthcheck and result.health is None:
        result.health = "starting"


def _measure_running(container: Any, result: Observation, cpu: bool = True) -> None:
    import docker.errors

    with contextlib.suppress(docker.errors.APIError):
        top = container.top(ps_args="-eo pid,uid,gid,comm")
        titles = [title.upper() for title in top.get("Titles") or []]
        for row in top.get("Processes") or []:
            values = dict(zip(titles, row, strict=False))
            result.processes.append((int(values["UID"]), int(values["GID"]), str(values.get("COMMAND", ""))))
    result.listening = _listening_ports(int(container.attrs["State"].get("Pid") or 0))
    with contextlib.suppress(docker.errors.APIError):
        stats = container.stats(stream=False) if cpu else container.stats(stream=False, one_shot=True)
        memory = stats.get("memory_stats") or {}
        result.peak_memory = memory.get("max_usage") or memory.get("usage")
        result.cpu_percent = _cpu_percent(stats)
        pids = (stats.get("pids_stats") or {}).get("current")
        result.pids = int(pids) if pids is not None else None


def stop_timeout(grace: float) -> int:
    """The whole seconds of a grace period that the engine's stop takes (its API has no finer unit)."""
    return max(0, round(grace))


def _stop(container: Any, result: Observation, grace: float) -> None:
    started = time.monotonic()
    container.stop(timeout=stop_timeout(grace))
    result.stop_seconds = time.monotonic() - started
    container.reload()
    result.stop_exit_code = int(container.attrs["State"].get("ExitCode", 0))


def _cpu_percent(stats: dict[str, Any]) -> float | None:
    cpu, previous = stats.get("cpu_stats") or {}, stats.get("precpu_stats") or {}
    try:
        used = cpu["cpu_usage"]["total_usage"] - previous["cpu_usage"]["total_usage"]
        system = cpu["system_cpu_usage"] - previous["system_cpu_usage"]
    except (KeyError, TypeError):
        return None
    cpus = cpu.get("online_cpus") or len(cpu["cpu_usage"].get("percpu_usage") or [1])
    return used / system * cpus * 100 if system > 0 else 0.0


def _listening_ports(pid: int) -> set[int] | None:
    """TCP ports in LISTEN state in the container's network namespace, read from the host's /proc (only
    for an engine on this machine: a remote engine's PIDs would name unrelated local processes).

    Docker's embedded DNS server listens on 127.0.0.11 in every container of a user-defined network;
    it is the engine's, not the image's, and is left out. Other loopback listeners are reported as
    negative ports (reachable only from inside the container)."""
    host = os.environ.get("DOCKER_HOST", "")
    if pid <= 0 or (host and not host.startswith("unix://")):
        return None
    ports: set[int] = set()
    readable = False
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        readable = True
        for line in lines:
            fields = line.split()
            if len(fields) <= 3 or fields[3] != "0A":  # TCP_LISTEN
                continue
            address, port_hex = fields[1].rsplit(":", 1)
            port = int(port_hex, 16)
            if address == _DOCKER_DNS:
                continue
            ports.add(-port if address in _LOOPBACK else port)
    return ports if readable else None


_DOCKER_DNS = "0B00007F"
"""127.0.0.11 as /proc/net/tcp writes it (little-endian hex)."""
_LOOPBACK = {"0100007F", "00000000000000000000000001000000"}


def _timestamp_ns(text: Any) -> int | None:
    """The engine's RFC 3339 timestamps (`2024-05-01T10:00:00.123456789Z`, nanoseconds, UTC) as Unix
    nanoseconds; None for a missing or unreadable one."""
    from datetime import datetime, timezone

    if not isinstance(text, str) or not text.endswith("Z") or "T" not in text:
        return None
    whole, _, fraction = text[:-1].partition(".")
    try:
        moment = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
        nanoseconds = int((fraction + "000000000")[:9]) if fraction else 0
    except ValueError:
        return None
    return int(moment.timestamp()) * 1_000_000_000 + nanoseconds


def _explain(error: Any) -> str:
    explanation = getattr(error, "explanation", None)
    return str(explanation or error)
