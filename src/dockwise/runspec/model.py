"""The RunSpec: every runtime setting the playbook cares about, with where it was written.

Values are normalised (memory in bytes, durations in seconds, ports split into host IP, host port and
container port) so that rules compare values, not spellings: `-m 512m`, `mem_limit: 512M` and
`deploy.resources.limits.memory: 536870912` are the same limit. `where` maps a field name to the span
that set it, so a finding points at the flag or the YAML key; a field that was not set has no entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dockwise.diagnostics import TextRange


@dataclass(frozen=True, slots=True)
class PortMapping:
    """A published port: `[host_ip:][published:]target[/protocol]`."""

    target: str
    published: str | None = None
    host_ip: str | None = None
    protocol: str = "tcp"


@dataclass(frozen=True, slots=True)
class VolumeMount:
    """A mount: `bind` (a host path), `volume` (named or anonymous), `tmpfs`, `npipe` or `image`."""

    type: str
    target: str
    source: str | None = None
    read_only: bool = False
    propagation: str | None = None
    """Bind propagation (`rshared`, `slave` ...), where it is written."""
    device: str | None = None
    """For a named volume whose top-level definition binds a host path (local driver, `o: bind`): that
    path, which the mount gives the container as a bind mount would."""


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """A health check given at run time (the image's own HEALTHCHECK is not part of a RunSpec)."""

    test: tuple[str, ...] = ()
    """As Compose writes it: ("CMD-SHELL", "curl -f http://localhost/") or ("CMD", "probe")."""
    disabled: bool = False
    interval: float | None = None
    timeout: float | None = None
    retries: int | None = None
    start_period: float | None = None


@dataclass(frozen=True, slots=True)
class InvalidValue:
    """A setting whose value Docker would refuse (`--health-interval x`, `mem_limit: lots`). It is reported
    where it is written and its field stays unknown (set, value not known), so the rest of the command or
    service is still checked."""

    field: str
    """The RunSpec field it would have set."""
    message: str
    range: TextRange | None = None
    """Where the value is written, when more precise than the field's location."""


@dataclass(frozen=True, slots=True)
class RawString:
    """A Compose string as written, before interpolation (kept only for strings with a `$`): checks of
    what Compose's `${VAR}` does to a value need the text it replaced."""

    key: tuple[str, ...]
    """The keys under the service (`("healthcheck", "test")`); list items share their list's key."""
    text: str
    path: str
    range: TextRange


@dataclass(frozen=True, slots=True)
class RunSpec:
    """How one container is run."""

    origin: str
    """"compose" or "docker run"."""
    path: str
    name: str
    """The Compose service name, or the container name (`--name`) or image of a `docker run`."""
    image: str | None = None
    command: tuple[str, ...] | str | None = None
    """A tuple for the exec form, a string for the shell form (run by `/bin/sh -c`)."""
    entrypoint: tuple[str, ...] | str | None = None
    user: str | None = None
    read_only: bool = False
    privileged: bool = False
    init: bool | None = None
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    security_opt: tuple[str, ...] = ()
    memory: int | None = None
    """Bytes."""
    memory_swap: int | None = None
    """Bytes; -1 means unlimited swap."""
    cpus: float | None = None
    pids_limit: int | None = None
    ulimits: Mapping[str, str] = field(default_factory=dict)
    healthcheck: HealthCheck | None = None
    restart: str | None = None
    stop_grace_period: float | None = None
    """Seconds."""
    stop_signal: str | None = None
    network_mode: str | None = None
    networks: tuple[str, ...] = ()
    ports: tuple[PortMapping, ...] = ()
    volumes: tuple[VolumeMount, ...] = ()
    tmpfs: tuple[str, ...] = ()
    environment: Mapping[str, str | None] = field(default_factory=dict)
    pid: str | None = None
    ipc: str | None = None
    uts: str | None = None
    userns: str | None = None
    logging_driver: str | None = None
    logging_options: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    use_api_socket: bool = False
    """Compose's `use_api_socket: true` (`docker run --use-api-socket`): the host's Docker API inside."""
    workload: str = "service"
    """"service" (runs until stopped) or "job" (runs to completion); see `dockwise.runspec.workload`."""
    workload_reason: str = ""
    """Why a spec is a job (`restart: "no"` with a command, `--rm` without `-d`, a test script ...)."""
    configs: tuple[str, ...] = ()
    """Compose `configs` (their sources)."""
    build_args: Mapping[str, str | None] = field(default_factory=dict)
    """Compose `build.args` (a `docker build` reads them; they are kept in the image's history)."""
    build_secrets: tuple[str, ...] = ()
    """Compose `build.secrets` (their sources)."""
    string_form: tuple[str, ...] = ()
    """The Compose keys (`command`, `entrypoint`) written as one string: Compose splits it into words
    itself and runs no shell."""
    raw: tuple[RawString, ...] = field(default=(), compare=False)
    """The service's strings with a `$`, as written (Compose files only)."""
    where: Mapping[str, TextRange] = field(default_factory=dict, compare=False)
    """Where each field was set, by field name (`memory`, `ports`, ...)."""
    span: TextRange = field(default_factory=lambda: TextRange(0, 0))
    """The whole service or command line."""
    files: Mapping[str, str] = field(default_factory=dict, compare=False)
    """For merged Compose files: the file that set each field, where it is not `path`."""
    keys: Mapping[str, tuple[str, TextRange]] = field(default_factory=dict, compare=False)
    """A Compose service's own keys as written (file and position), for checks of the file itself."""
    invalid: tuple[InvalidValue, ...] = ()
    """Values that could not be read (see InvalidValue); the loaders report them as DW700."""
    item_where: Mapping[str, tuple[TextRange, ...]] = field(default_factory=dict, compare=False)
    """Where each item of a list field was written, in the order of the field's items, when the loader
    knows it (the flags of a `docker run` line: the second `--security-opt` has a range of its own)."""

    def location(self, name: str) -> TextRange:
        """Where `name` was set, else the whole service or command (for settings that are missing)."""
        return self.where.get(name, self.span)

    def item_location(self, name: str, index: int) -> TextRange:
        """Where the `index`th item of the list field `name` was written, else where the field was."""
        ranges = self.item_where.get(name, ())
        return ranges[index] if index < len(ranges) else self.location(name)

    def file_of(self, name: str) -> str:
        """The file that set `name` (for merged Compose files), else `path`."""
        return self.files.get(name, self.path)

    @property
    def no_new_privileges(self) -> bool:
        """`no-new-privileges` (alone, `:true` or `=true`) is among the security options."""
        for option in self.security_opt:
            key, _, value = option.replace("=", ":", 1).partition(":")
            if key.strip() == "no-new-privileges" and value.strip().lower() in ("", "true"):
                return True
        return False
