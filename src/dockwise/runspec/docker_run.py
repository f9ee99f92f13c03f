"""`docker run` (and `docker container run`, `docker create`) command lines, read into RunSpecs.

The lines are found with the shell parser, so quoting, `&&`, pipes, `$(...)` and line continuations are
handled as a shell would, and every flag keeps its source range. The option grammar follows the Docker
CLI: `--flag value`, `--flag=value`, short flags that cluster (`-dit`) or carry their value (`-p80:80`),
and the first operand is the image; everything after it is the command. A word the shell only knows at
run time (`$PORT`) has no static value: such a flag is recorded as set, with its value unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dockwise.diagnostics import TextRange
from dockwise.dockerfile.shell import ShellCommand, ShellWord, script_commands
from dockwise.errors import DockwiseError
from dockwise.runspec.model import HealthCheck, InvalidValue, PortMapping, RunSpec, VolumeMount
from dockwise.runspec.units import UnitError, parse_duration, parse_integer, parse_number, parse_size, shown

#: Short flags that take a value, by their long name.
_SHORT_WITH_VALUE = {
    "a": "attach", "c": "cpu-shares", "e": "env", "h": "hostname", "l": "label", "m": "memory",
    "p": "publish", "u": "user", "v": "volume", "w": "workdir",
}  # fmt: skip
_SHORT_BOOLEAN = {"d": "detach", "i": "interactive", "t": "tty", "P": "publish-all", "q": "quiet"}
#: Long flags that take no value (a `=false` may still follow).
_BOOLEAN = frozenset(
    {"detach", "rm", "interactive", "tty", "read-only", "privileged", "init", "publish-all", "no-healthcheck",
     "oom-kill-disable", "disable-content-trust", "quiet", "help", "sig-proxy", "use-api-socket"}
)  # fmt: skip


class DockerRunError(DockwiseError, ValueError):
    """A command line that the Docker CLI would refuse (a flag without its value, no image)."""


@dataclass
class _Builder:
    """Accumulates a RunSpec's fields while the flags are read."""

    values: dict[str, object] = field(default_factory=dict)
    where: dict[str, TextRange] = field(default_factory=dict)
    item_where: dict[str, list[TextRange]] = field(default_factory=dict)
    """The range of each value of a repeated flag, in order."""

    def set(self, name: str, value: object, at: TextRange) -> None:
        self.values[name] = value
        self.where[name] = at

    def add(self, name: str, value: object, at: TextRange) -> None:
        current = self.values.setdefault(name, [])
        assert isinstance(current, list)
        current.append(value)
        self.where.setdefault(name, at)
        self.item_where.setdefault(name, []).append(at)


def is_docker_run(command: ShellCommand) -> bool:
    return _run_arguments(command) is not None


def _run_arguments(command: ShellCommand) -> list[ShellWord] | None:
    """The words after `docker run` / `docker container run` / `docker create` (global options skipped)."""
    if command.name not in ("docker", "podman"):
        return None
    words = list(command.arguments)
    index = 0
    while index < len(words) and (words[index].value or "").startswith("-"):
        flag = words[index].value or ""
        index += 1 if "=" in flag or flag in ("-D", "--debug", "--tls", "--tlsverify") else 2
    rest = [word.value for word in words[index : index + 2]]
    if rest[:1] in (["run"], ["create"]):
        return words[index + 1 :]
    if rest[:1] == ["container"] and rest[1:2] in (["run"], ["create"]):
        return words[index + 2 :]
    return None


def runspecs_in_script(text: str, path: str, offset: int = 0) -> Iterator[RunSpec]:
    """Every `docker run` of a shell script (or of a script embedded at `offset` in a bigger file)."""
    for command in script_commands(text, offset):
        if is_docker_run(command):
            yield runspec_of(command, path)


def runspec_of(command: ShellCommand, path: str) -> RunSpec:
    """The RunSpec of one `docker run` command; DockerRunError when it has no image."""
    words = _run_arguments(command)
    if words is None:
        raise DockerRunError("not a docker run command")
    built = _Builder()
    index = 0
    while index < len(words):
        word = words[index]
        value = word.value
        if value is None or not value.startswith("-") or value == "-":
            break
        index += 1
        if value == "--":
            break
        if value.startswith("--"):
            name, equals, attached = value[2:].partition("=")
            if name in _BOOLEAN:
                _apply(built, name, attached if equals else "true", word.range)
                continue
            if equals:
                _apply(built, name, attached, word.range)
                continue
            argument = _argument(words, index, value)
            _apply(built, name, argument.value, _joined(word, argument))
            index += 1
            continue
        letters = value[1:]
        for position, letter in enumerate(letters):
            if letter in _SHORT_BOOLEAN:
                _apply(built, _SHORT_BOOLEAN[letter], "true", word.range)
                continue
            long_name = _SHORT_WITH_VALUE.get(letter)
            if long_name is None:
                raise DockerRunError(f"unknown flag -{letter}")
            attached = letters[position + 1 :]
            if attached:
                _apply(built, long_name, attached.removeprefix("="), word.range)
            else:
                argument = _argument(words, index, f"-{letter}")
                _apply(built, long_name, argument.value, _joined(word, argument))
                index += 1
            break
    if index >= len(words):
        raise DockerRunError("docker run needs an image")
    image_word = words[index]
    command_words = words[index + 1 :]
    values = built.values
    if command_words:
        values["command"] = tuple(w.value if w.value is not None else w.text for w in command_words)
        built.where["command"] = TextRange(command_words[0].range.start, command_words[-1].range.end)
    container_name = values.get("name")
    where = {_FIELD_OF_FLAG.get(flag, flag): at for flag, at in reversed(built.where.items())}
    if "networks" in where:
        where["network_mode"] = where["networks"]
    from dockwise.runspec.workload import docker_run_job_reason

    reason = docker_run_job_reason(values)
    return RunSpec(
        origin="docker run",
        path=path,
        name=str(container_name) if container_name else (image_word.value or image_word.text),
        image=image_word.value,
        span=command.range,
        where={"image": image_word.range, **where},
        workload="job" if reason else "service",
        workload_reason=reason,
        **_fields(values, built.where, built.item_where),
    )


#: The RunSpec field each flag sets, where the two names differ.
_FIELD_OF_FLAG = {
    "memory-swap": "memory_swap", "pids-limit": "pids_limit", "stop-timeout": "stop_grace_period",
    "read-only": "read_only", "cap-add": "cap_add", "cap-drop": "cap_drop", "security-opt": "security_opt",
    "env": "environment", "publish": "ports", "volume": "volumes", "mount": "volumes", "ulimit": "ulimits",
    "log-opt": "logging_options", "log-driver": "logging_driver", "network": "networks",
    "stop-signal": "stop_signal", "no-healthcheck": "healthcheck", "health-cmd": "healthcheck",
    "health-interval": "healthcheck", "health-timeout": "healthcheck", "health-retries": "healthcheck",
    "health-start-period": "healthcheck", "use-api-socket": "use_api_socket",
}  # fmt: skip


#: Repeated flags whose values are a RunSpec field as they are (one item per flag).
_LIST_FIELDS = {
    "security-opt": "security_opt",
    "cap-add": "cap_add",
    "cap-drop": "cap_drop",
    "env": "environment",
}


def _argument(words: list[ShellWord], index: int, flag: str) -> ShellWord:
    if index >= len(words):
        raise DockerRunError(f"flag {flag} needs a value")
    return words[index]


def _joined(first: ShellWord, second: ShellWord) -> TextRange:
    return TextRange(first.range.start, second.range.end)


_HEALTH = {"health-cmd", "health-interval", "health-timeout", "health-retries", "health-start-period"}


def _apply(built: _Builder, name: str, value: str | None, at: TextRange) -> None:
    """Record one flag. `value` is None when the shell only knows it at run time."""
    flag = name
    if flag in ("memory", "memory-swap", "pids-limit", "cpus", "stop-timeout"):
        built.set(flag, value, at)
    elif flag in ("read-only", "privileged", "init", "no-healthcheck"):
        built.set(flag, value is None or value.lower() != "false", at)
    elif flag in ("cap-add", "cap-drop", "security-opt", "tmpfs", "env", "publish", "volume", "mount",
                  "ulimit", "log-opt", "network", "net"):  # fmt: skip
        if value is not None:
            built.add("network" if flag == "net" else flag, value, at)
        else:
            built.where.setdefault(flag, at)
    elif flag in _HEALTH:
        built.set(flag, value, at)
    else:
        built.set(flag, value, at)


def _fields(
    values: dict[str, object], where: dict[str, TextRange], item_where: dict[str, list[TextRange]]
) -> dict[str, Any]:
    """The RunSpec keyword arguments for the recorded flags (typed by RunSpec itself). A value Docker would
    refuse becomes an InvalidValue at its flag; the other flags are still read."""
    result: dict[str, Any] = {}
    invalid: list[InvalidValue] = []

    def read(flag: str, field_name: str, convert: Callable[[str], object]) -> None:
        raw = text(flag)
        if not raw:
            return
        try:
            result[field_name] = convert(raw)
        except (UnitError, DockerRunError) as error:
            invalid.append(InvalidValue(field_name, f"--{flag}: {error}", where.get(flag)))

    def text(name: str) -> str | None:
        value = values.get(name)
        return value if isinstance(value, str) else None

    def items(name: str) -> list[str]:
        value = values.get(name)
        return [str(item) for item in value] if isinstance(value, list) else []

    for flag, key in (("user", "user"), ("restart", "restart"), ("stop-signal", "stop_signal"),
                      ("pid", "pid"), ("ipc", "ipc"), ("uts", "uts"), ("userns", "userns"),
                      ("log-driver", "logging_driver")):  # fmt: skip
        if text(flag) is not None:
            result[key] = text(flag)
    restart = text("restart")
    if restart is not None and not any(mark in restart for mark in "%{}<>"):  # templates, placeholders
        problem = restart_problem(restart, bool(values.get("rm")))
        if problem is not None:
            if restart_problem(restart, False) is not None:
                result.pop("restart")  # a value the Engine does not know (not only one --rm rules out)
            invalid.append(InvalidValue("restart", f"--restart {restart}: {problem}", where.get("restart")))
    for flag in ("read-only", "privileged", "init", "use-api-socket"):
        if flag in values:
            result[flag.replace("-", "_")] = bool(values[flag])
    read("memory", "memory", parse_size)
    read("memory-swap", "memory_swap", lambda swap: -1 if swap.strip() == "-1" else parse_size(swap))
    read("cpus", "cpus", lambda cpus: parse_number(cpus, "number of CPUs"))
    read("pids-limit", "pids_limit", lambda pids: parse_integer(pids, "pids limit"))
    read("stop-timeout", "stop_grace_period", lambda timeout: float(parse_integer(timeout, "stop timeout")))
    result["cap_add"] = tuple(c.upper().removeprefix("CAP_") for c in items("cap-add"))
    result["cap_drop"] = tuple(c.upper().removeprefix("CAP_") for c in items("cap-drop"))
    result["security_opt"] = tuple(items("security-opt"))
    result["tmpfs"] = tuple(t.split(":", 1)[0] for t in items("tmpfs"))
    networks = items("network")
    modes = [n for n in networks if n in ("host", "none", "bridge") or n.startswith("container:")]
    if modes:
        result["network_mode"] = modes[-1]
    result["networks"] = tuple(n for n in networks if n not in modes)
    ports = []
    port_ranges = []
    for item, at in zip(items("publish"), item_where.get("publish", []), strict=True):
        try:
            ports.append(parse_port(item))
            port_ranges.append(at)
        except DockerRunError as error:
            invalid.append(InvalidValue("ports", f"--publish: {error}", at))
    result["ports"] = tuple(ports)
    result["volumes"] = tuple(
        [parse_volume(v) for v in items("volume")] + [parse_mount(m) for m in items("mount")]
    )
    result["item_where"] = {
        "ports": tuple(port_ranges),
        "volumes": (*item_where.get("volume", []), *item_where.get("mount", [])),
        **{key: tuple(item_where.get(flag, [])) for flag, key in _LIST_FIELDS.items()},
    }
    result["environment"] = dict(_environment(item) for item in items("env"))
    result["ulimits"] = _pairs(items("ulimit"))
    result["logging_options"] = _pairs(items("log-opt"))
    health = _healthcheck(values, where, invalid)
    if health is not None:
        result["healthcheck"] = health
    command = values.get("command")
    if command is not None:
        result["command"] = command
    entrypoint = text("entrypoint")
    if entrypoint is not None:
        result["entrypoint"] = (entrypoint,)
    result["invalid"] = tuple(invalid)
    return result


_RESTART_POLICIES = ("no", "always", "unless-stopped", "on-failure")


def restart_problem(policy: str, auto_remove: bool) -> str | None:
    """Why the CLI or the Engine refuses a `--restart` value (docker/cli's ParseRestartPolicy and the
    checks after it, moby's ValidateRestartPolicy), or None."""
    name, colon, count = policy.partition(":")
    if colon and not name:
        return "no policy before the colon"
    if count:
        try:
            retries = int(count)
        except ValueError:
            return f"the retry count {count!r} is not an integer"
        if name != "on-failure":
            return "only on-failure takes a retry count"
        if retries < 0:
            return "the retry count cannot be negative"
    if name and name not in _RESTART_POLICIES:
        return f"unknown policy: use one of {', '.join(_RESTART_POLICIES)}"
    if auto_remove and name not in ("", "no"):
        return "--rm removes the container when it stops, so it cannot restart: choose one"
    return None


def _pairs(items: list[str]) -> dict[str, str]:
    """`["nofile=1024:2048"]` → {"nofile": "1024:2048"}."""
    return {name: value for name, _, value in (item.partition("=") for item in items)}


def _environment(item: str) -> tuple[str, str | None]:
    name, equals, value = item.partition("=")
    return name, value if equals else None


def _healthcheck(
    values: dict[str, object], where: dict[str, TextRange], invalid: list[InvalidValue]
) -> HealthCheck | None:
    if values.get("no-healthcheck"):
        return HealthCheck(disabled=True)
    if not any(name in values for name in _HEALTH):
        return None

    def number(name: str, convert: Callable[[str], float | int]) -> Any:
        value = values.get(name)
        if not isinstance(value, str):
            return None
        try:
            return convert(value)
        except UnitError as error:
            invalid.append(InvalidValue("healthcheck", f"--{name}: {error}", where.get(name)))
            return None

    command = values.get("health-cmd")
    return HealthCheck(
        test=("CMD-SHELL", command) if isinstance(command, str) else (),
        interval=number("health-interval", parse_duration),
        timeout=number("health-timeout", parse_duration),
        retries=number("health-retries", lambda retries: parse_integer(retries, "number of retries")),
        start_period=number("health-start-period", parse_duration),
    )


_PORT = re.compile(
    r"(?:(?P<ip>\[[^\]]*\]|[^:\[\]]*):(?=[^:]*:)|(?P<ip6>\[[^\]]*\]):)?"
    r"(?:(?P<published>[^:]*):)?(?P<target>[^:/]+)(?:/(?P<protocol>\w+))?"
)


def parse_port(text: str) -> PortMapping:
    """`[ip:][published:]target[/protocol]` (IPv6 addresses in brackets) → PortMapping."""
    match = _PORT.fullmatch(text.strip())
    if match is None:
        raise DockerRunError(f"invalid port {shown(text)}")
    host_ip = match.group("ip") or match.group("ip6")
    published = match.group("published")
    return PortMapping(
        target=match.group("target"),
        published=published or None,
        host_ip=host_ip.strip("[]") if host_ip else None,
        protocol=(match.group("protocol") or "tcp").lower(),
    )


def parse_volume(text: str) -> VolumeMount:
    """`-v [source:]target[:options]`: a host path (starts with `/`, `.` or `~`) is a bind mount."""
    parts = text.split(":")
    if len(parts) == 1:
        return VolumeMount("volume", parts[0])
    source, target, *options = parts
    flags = ",".join(options).split(",") if options else []
    kind = "bind" if source.startswith(("/", ".", "~")) else "volume"
    propagation = next((flag for flag in flags if flag in _PROPAGATIONS), None)
    return VolumeMount(kind, target, source, "ro" in flags or "readonly" in flags, propagation)


_PROPAGATIONS = frozenset({"shared", "rshared", "slave", "rslave", "private", "rprivate"})


def parse_mount(text: str) -> VolumeMount:
    """`--mount type=bind,source=/x,target=/y,readonly` → VolumeMount."""
    options: dict[str, str] = {}
    for item in text.split(","):
        key, equals, value = item.partition("=")
        options[key.strip().lower()] = value if equals else "true"
    target = options.get("target") or options.get("destination") or options.get("dst") or ""
    source = options.get("source") or options.get("src")
    read_only = any(options.get(key, "false").lower() in ("true", "1") for key in ("readonly", "ro"))
    propagation = options.get("bind-propagation")
    return VolumeMount(options.get("type", "volume"), target, source, read_only, propagation)
