"""How verify runs a container: the hardened default profile (or a Compose service's own settings), as
separate measures that can each be left out to find the one that breaks the image."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

NOBODY = "65534:65534"

MEASURES = ("non-root", "read-only", "cap-drop", "no-new-privileges", "memory-limit", "pids-limit", "network")
"""The hardening measures, each of which verify can drop on a re-run to prove which one breaks the image."""

ADVICE = {
    "non-root": "it needs root: give it a numeric USER whose files it can write (chown at build time)",
    "read-only": "it writes to its root filesystem: mount a tmpfs (or a volume) on the paths listed",
    "cap-drop": "it needs a capability: add back only that one (cap_add), after cap_drop: [ALL]",
    "no-new-privileges": "it gains privileges through a setuid binary: remove that need",
    "memory-limit": "it needs more memory than the limit: raise the limit or lower its use",
    "pids-limit": "it starts more processes than the limit",
    "network": "it needs a network it cannot reach from an isolated one",
}


@dataclass(frozen=True)
class Profile:
    """What one run applies. `None`/empty means the measure is off."""

    user: str | None = NOBODY
    """None keeps the image's user (used when the image already names a non-root one)."""
    read_only: bool = True
    tmpfs: tuple[str, ...] = ("/tmp",)
    volumes: tuple[str, ...] = ()
    """Directories that get a fresh volume of their own (labelled with the run, removed with it)."""
    cap_drop: tuple[str, ...] = ("ALL",)
    cap_add: tuple[str, ...] = ()
    no_new_privileges: bool = True
    memory: int | None = 256 * 1024 * 1024
    pids_limit: int | None = 256
    isolated_network: bool = True
    init: bool = False
    stop_grace_period: float = 10.0
    stop_signal: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    command: tuple[str, ...] | str | None = None
    entrypoint: tuple[str, ...] | str | None = None
    healthcheck: Any = None
    """A Compose service's own `healthcheck:` (a runspec HealthCheck) over the image's; None keeps the
    image's HEALTHCHECK."""
    measures: tuple[str, ...] = MEASURES
    """The measures this profile applies (a Compose service may apply fewer)."""

    def without(self, measure: str) -> Profile:
        """The same profile with one measure left out."""
        changes: dict[str, Any] = {"measures": tuple(m for m in self.measures if m != measure)}
        if measure == "non-root":
            changes["user"] = "0:0"
        elif measure == "read-only":
            changes["read_only"] = False
        elif measure == "cap-drop":
            changes["cap_drop"] = ()
        elif measure == "no-new-privileges":
            changes["no_new_privileges"] = False
        elif measure == "memory-limit":
            changes["memory"] = None
        elif measure == "pids-limit":
            changes["pids_limit"] = None
        elif measure == "network":
            changes["isolated_network"] = False
        return replace(self, **changes)


def unhardened(profile: Profile) -> Profile:
    """The profile with every measure left out: a plain `docker run` (the image's own user, and so on)."""
    for measure in profile.measures:
        profile = profile.without(measure)
    return profile


def for_image(image_user: str, profile: Profile) -> Profile:
    """Keep an image's own non-root user; replace root (or no USER) by nobody."""
    name = image_user.split(":", 1)[0]
    if name not in ("", "root", "0") and profile.user == NOBODY:
        return replace(profile, user=None)
    return profile


def from_runspec(spec: Any, defaults: Profile) -> Profile:
    """A Compose service's settings as a profile: what it sets is kept, and measures it does not take are
    not applied (verify reports them as missing hardening instead of adding them)."""
    measures = []
    if spec.user and spec.user.split(":", 1)[0] not in ("root", "0"):
        measures.append("non-root")
    if spec.read_only:
        measures.append("read-only")
    if any(cap.upper() == "ALL" for cap in spec.cap_drop):
        measures.append("cap-drop")
    no_new = any(
        opt.replace("=", ":").startswith("no-new-privileges") and not opt.endswith("false")
        for opt in spec.security_opt
    )
    if no_new:
        measures.append("no-new-privileges")
    if spec.memory:
        measures.append("memory-limit")
    if spec.pids_limit:
        measures.append("pids-limit")
    measures.append("network")
    return Profile(
        user=spec.user,
        read_only=bool(spec.read_only),
        tmpfs=tuple(str(t).split(":", 1)[0] for t in spec.tmpfs),
        volumes=tuple(mount.target for mount in spec.volumes if mount.type == "volume"),
        cap_drop=tuple(spec.cap_drop),
        cap_add=tuple(spec.cap_add),
        no_new_privileges=no_new,
        memory=spec.memory,
        pids_limit=spec.pids_limit,
        isolated_network=True,
        init=bool(spec.init),
        stop_grace_period=spec.stop_grace_period if spec.stop_grace_period is not None else 10.0,
        stop_signal=spec.stop_signal,
        environment={k: v for k, v in spec.environment.items() if v is not None},
        command=spec.command,
        entrypoint=spec.entrypoint,
        healthcheck=spec.healthcheck,
        measures=tuple(measures),
    )


def container_options(
    profile: Profile, network: str | None, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    """docker-py `containers.create` keyword arguments for `profile` (`labels` go on its volumes)."""
    options: dict[str, Any] = {
        "detach": True,
        "read_only": profile.read_only,
        "tmpfs": {path: "rw,nosuid,nodev,size=64m" for path in profile.tmpfs},
        "cap_drop": list(profile.cap_drop) or None,
        "cap_add": list(profile.cap_add) or None,
        "security_opt": ["no-new-privileges:true"] if profile.no_new_privileges else None,
        "init": profile.init,
        "environment": profile.environment or None,
        "stop_signal": profile.stop_signal,
    }
    if profile.user is not None:
        options["user"] = profile.user
    if profile.volumes:
        from docker.types import Mount

        options["mounts"] = [
            Mount(target, None, type="volume", labels=labels or None) for target in profile.volumes
        ]
    if profile.memory is not None:
        options["mem_limit"] = profile.memory
        options["memswap_limit"] = profile.memory  # no swap: the limit is the limit
    if profile.pids_limit is not None:
        options["pids_limit"] = profile.pids_limit
    if profile.isolated_network and network is not None:
        options["network"] = network
    if profile.command is not None:
        options["command"] = profile.command
    if profile.entrypoint is not None:
        options["entrypoint"] = profile.entrypoint
    if profile.healthcheck is not None:
        options["healthcheck"] = _healthcheck(profile.healthcheck)
    return {name: value for name, value in options.items() if value is not None}


def has_health_check(image_test: list[str] | None, profile: Profile) -> bool:
    """Whether the container runs a health check: the Compose service's when it sets one (or disables
    it), else the image's HEALTHCHECK."""
    check = profile.healthcheck
    if check is not None and (check.disabled or check.test):
        return not check.disabled
    return bool(image_test) and list(image_test or ())[:1] != ["NONE"]


def _healthcheck(check: Any) -> dict[str, Any]:
    """docker-py's `healthcheck` for a Compose `healthcheck:` (durations in nanoseconds). What it leaves
    unset the engine takes from the image's HEALTHCHECK, as for `docker compose up`."""
    if check.disabled:
        return {"test": ["NONE"]}
    options: dict[str, Any] = {"test": list(check.test) or None, "retries": check.retries}
    for name in ("interval", "timeout", "start_period"):
        seconds = getattr(check, name)
        options[name] = None if seconds is None else int(seconds * 1_000_000_000)
    return {name: value for name, value in options.items() if value is not None}
