"""Find a docker client that builds images with BuildKit.

dockwise checks Dockerfiles that use BuildKit-only syntax (`RUN --mount`, `COPY --link`, heredocs...), so
builds must go through BuildKit; the classic builder rejects that syntax. Which client does that depends on
the machine:

* `docker buildx build` whenever the buildx plugin works: the current way, for any client version.
* Otherwise a client that still carries its own BuildKit front end, selected with `DOCKER_BUILDKIT=1`: the
  Docker 18.09-22.x CLI, e.g. Debian 12's `docker.io` 20.10 at `/usr/bin/docker`.
* A Docker 23+ client without buildx cannot build with BuildKit at all (with `DOCKER_BUILDKIT=1` it refuses:
  "BuildKit is enabled but the buildx component is missing"); it is never chosen, even when it is first on
  `PATH` and an older client sits behind it.

Detection only runs `--help`/`version` subcommands: it needs no engine, and the engine behind `DOCKER_HOST`
is whatever the chosen client talks to.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["DEBIAN_DOCKER", "BuildkitClient", "docker_candidates", "find_buildkit_client"]

DEBIAN_DOCKER = "/usr/bin/docker"
"""Where Debian's `docker.io` package installs its client; tried even when it is not on `PATH`."""

_PROBE_TIMEOUT_SECONDS = 30.0
"""Probes are local (`--help`, plugin `version`), so this only guards against a wedged binary."""


@dataclass(frozen=True, slots=True)
class BuildkitClient:
    """A command line that builds with BuildKit: run `argv + build arguments` with `env` added.

    `argv` names the client by absolute path so that the build does not pick up another `docker` from
    `PATH`; `env` holds what the client needs on top of the caller's environment (`DOCKER_BUILDKIT=1`
    for a pre-23 client), and is left out of the hash so the value stays hashable.
    """

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    def command(self, *arguments: str) -> list[str]:
        """The full build command, e.g. `client.command("--tag", "x", ".")`."""
        return [*self.argv, *arguments]

    def environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) with `env` applied, for `subprocess.run(env=...)`."""
        merged = dict(os.environ if base is None else base)
        merged.update(self.env)
        return merged

    def __str__(self) -> str:
        """The command as a human would type it, e.g. `DOCKER_BUILDKIT=1 /usr/bin/docker build`."""
        prefix = [f"{name}={value}" for name, value in sorted(self.env.items())]
        return " ".join([*prefix, *self.argv])


def docker_candidates(path: str | None = None) -> list[str]:
    """Every `docker` executable on `path` (default `$PATH`), in order, then `/usr/bin/docker`.

    Paths that resolve to the same file (`/bin` -> `/usr/bin` on merged-/usr systems) are listed once.
    """
    search = os.environ.get("PATH", os.defpath) if path is None else path
    found: list[str] = []
    seen: set[str] = set()
    for directory in [*search.split(os.pathsep), os.path.dirname(DEBIAN_DOCKER)]:
        candidate = os.path.join(directory or os.curdir, "docker")
        if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
            continue
        real = os.path.realpath(candidate)
        if real not in seen:
            seen.add(real)
            found.append(os.path.abspath(candidate))
    return found


def _succeeds(argv: Sequence[str], extra_env: Mapping[str, str] | None = None) -> str | None:
    """The standard output of `argv` when it exits 0, else None (also when it cannot run or hangs)."""
    env = dict(os.environ)
    if extra_env:
        env.update(extra_env)
    try:
        completed = subprocess.run(
            list(argv),
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout if completed.returncode == 0 else None


def _has_buildx(docker: str) -> bool:
    return _succeeds([docker, "buildx", "version"]) is not None


def _builds_with_buildkit_env(docker: str) -> bool:
    """Whether `DOCKER_BUILDKIT=1 docker build` is BuildKit for this client.

    A pre-23 client lists BuildKit-only flags (`--secret`, `--ssh`) in `build --help` only when
    `DOCKER_BUILDKIT=1` is set; a 23+ client without buildx exits non-zero instead. Neither needs an engine.
    """
    help_text = _succeeds([docker, "build", "--help"], {"DOCKER_BUILDKIT": "1"})
    return help_text is not None and "--secret" in help_text and "--ssh" in help_text


def find_buildkit_client(path: str | None = None) -> BuildkitClient | None:
    """The best client that builds with BuildKit, or None when this machine has none.

    Prefers `docker buildx build --load` from any candidate (`--load` puts the result in the engine's image
    store even when the current builder is not the engine's own), then `DOCKER_BUILDKIT=1 docker build`
    from a client that supports it. Candidates come from `docker_candidates(path)`.
    """
    candidates = docker_candidates(path)
    for docker in candidates:
        if _has_buildx(docker):
            return BuildkitClient(argv=(docker, "buildx", "build", "--load"))
    for docker in candidates:
        if _builds_with_buildkit_env(docker):
            return BuildkitClient(argv=(docker, "build"), env=MappingProxyType({"DOCKER_BUILDKIT": "1"}))
    return None
