"""Instruction flags parsed with BuildKit's rules: `--mount` specs, `--from`, `--chown`, `--link` ...

BuildKit accepts a fixed set of flags per instruction, each a string, a repeatable string or a boolean
(`--link`, `--link=true|false`). Problems (unknown or duplicated flags, a boolean that is not one, a mount
with an unknown key) are collected as `FlagProblem`s instead of raised: a linter reports them with the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

from dockwise.record import Record

FlagKind = Literal["string", "strings", "bool"]

#: The flags each instruction accepts (BuildKit's dockerfile reference, labs flags included).
FLAG_KINDS: dict[str, dict[str, FlagKind]] = {
    "FROM": {"platform": "string"},
    "RUN": {"mount": "strings", "network": "string", "security": "string", "device": "strings"},
    "COPY": {
        "from": "string", "chown": "string", "chmod": "string", "link": "bool", "parents": "bool",
        "exclude": "strings",
    },
    "ADD": {
        "chown": "string", "chmod": "string", "link": "bool", "keep-git-dir": "bool", "checksum": "string",
        "exclude": "strings", "unpack": "bool",
    },
    "HEALTHCHECK": {
        "interval": "string", "timeout": "string", "start-period": "string", "start-interval": "string",
        "retries": "string",
    },
}  # fmt: skip

MOUNT_TYPES = frozenset({"bind", "cache", "tmpfs", "secret", "ssh"})
_MOUNT_BOOL_KEYS = frozenset({"readonly", "ro", "readwrite", "rw", "required"})
_MOUNT_KEYS = _MOUNT_BOOL_KEYS | {
    "type", "from", "source", "src", "target", "dst", "destination", "id", "sharing", "mode", "uid", "gid",
    "size", "env",
}  # fmt: skip
_SHARING = frozenset({"shared", "private", "locked"})


class FlagProblem(Record):
    """A flag BuildKit would reject, with the message it would give."""

    __slots__ = ("flag", "message")
    flag: str
    message: str

    def __init__(self, flag: str, message: str) -> None:
        object.__setattr__(self, "flag", flag)
        object.__setattr__(self, "message", message)


class Mount(Record):
    """One `RUN --mount=` spec with BuildKit's defaults filled in."""

    __slots__ = (
        "env",
        "from_",
        "gid",
        "id",
        "mode",
        "options",
        "raw",
        "readonly",
        "required",
        "sharing",
        "size",
        "source",
        "target",
        "type",
        "uid",
    )
    raw: str
    type: str
    target: str | None
    source: str | None
    from_: str | None
    id: str | None
    sharing: str | None
    mode: str | None
    uid: str | None
    gid: str | None
    size: str | None
    env: str | None
    readonly: bool
    required: bool
    options: tuple[tuple[str, str | None], ...]
    """Every key and value as written (keys lower-cased), for checks that need more than the above."""

    def __init__(
        self,
        raw: str,
        type: str,
        target: str | None,
        source: str | None,
        from_: str | None,
        id: str | None,
        sharing: str | None,
        mode: str | None,
        uid: str | None,
        gid: str | None,
        size: str | None,
        env: str | None,
        readonly: bool,
        required: bool,
        options: tuple[tuple[str, str | None], ...],
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "raw", raw)
        set_field(self, "type", type)
        set_field(self, "target", target)
        set_field(self, "source", source)
        set_field(self, "from_", from_)
        set_field(self, "id", id)
        set_field(self, "sharing", sharing)
        set_field(self, "mode", mode)
        set_field(self, "uid", uid)
        set_field(self, "gid", gid)
        set_field(self, "size", size)
        set_field(self, "env", env)
        set_field(self, "readonly", readonly)
        set_field(self, "required", required)
        set_field(self, "options", options)


class Flags(Record):
    """An instruction's flags by name; `values` keeps every occurrence in order."""

    __slots__ = ("mounts", "problems", "values")
    values: tuple[tuple[str, str | None], ...]
    mounts: tuple[Mount, ...]
    problems: tuple[FlagProblem, ...]

    def __init__(
        self,
        values: tuple[tuple[str, str | None], ...],
        mounts: tuple[Mount, ...],
        problems: tuple[FlagProblem, ...],
    ) -> None:
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "mounts", mounts)
        object.__setattr__(self, "problems", problems)

    def get(self, name: str) -> str | None:
        """The last value of a flag (None when absent, "" for a bare `--flag`)."""
        found = None
        for key, value in self.values:
            if key == name:
                found = "" if value is None else value
        return found

    def get_all(self, name: str) -> tuple[str, ...]:
        return tuple(value or "" for key, value in self.values if key == name)

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.values)

    def boolean(self, name: str) -> bool | None:
        """A boolean flag's value: True for `--link`/`--link=true`, False for `=false`, None when absent."""
        value = self.get(name)
        if value is None:
            return None
        return value.lower() != "false"

    @property
    def from_(self) -> str | None:
        return self.get("from")

    @property
    def chown(self) -> str | None:
        return self.get("chown")

    @property
    def chmod(self) -> str | None:
        return self.get("chmod")

    @property
    def link(self) -> bool | None:
        return self.boolean("link")

    @property
    def platform(self) -> str | None:
        return self.get("platform")

    @property
    def network(self) -> str | None:
        return self.get("network")

    @property
    def security(self) -> str | None:
        return self.get("security")

    @property
    def checksum(self) -> str | None:
        return self.get("checksum")

    @property
    def keep_git_dir(self) -> bool | None:
        return self.boolean("keep-git-dir")

    @property
    def exclude(self) -> tuple[str, ...]:
        return self.get_all("exclude")

    @property
    def parents(self) -> bool | None:
        return self.boolean("parents")

    @property
    def unpack(self) -> bool | None:
        return self.boolean("unpack")


def split_flag(flag: str) -> tuple[str, str | None]:
    """`--name=value` → ("name", "value"); `--name` → ("name", None)."""
    body = flag[2:] if flag.startswith("--") else flag
    name, equals, value = body.partition("=")
    return name, (value if equals else None)


def parse_flags(flags: Iterable[str], keyword: str | None = None) -> Flags:
    """Parse raw flag strings; with `keyword`, also check them against what that instruction accepts."""
    return _parse_flags(tuple(flags), keyword)


@lru_cache(maxsize=1024)
def _parse_flags(flags: tuple[str, ...], keyword: str | None) -> Flags:
    values: list[tuple[str, str | None]] = []
    mounts: list[Mount] = []
    problems: list[FlagProblem] = []
    allowed = FLAG_KINDS.get(keyword or "", {}) if keyword else None
    seen: set[str] = set()
    for flag in flags:
        name, value = split_flag(flag)
        values.append((name, value))
        if allowed is not None:
            problems.extend(_check_flag(flag, name, value, allowed, seen))
        if name == "mount" and value is not None:
            mount, mount_problems = parse_mount(value)
            problems.extend(FlagProblem(flag, message) for message in mount_problems)
            if mount is not None:
                mounts.append(mount)
    return Flags(tuple(values), tuple(mounts), tuple(problems))


def _check_flag(
    flag: str, name: str, value: str | None, allowed: dict[str, FlagKind], seen: set[str]
) -> Iterable[FlagProblem]:
    kind = allowed.get(name)
    if kind is None:
        yield FlagProblem(flag, f"unknown flag: {name}")
        return
    if name in seen and kind != "strings":
        yield FlagProblem(flag, f"duplicate flag specified: {name}")
    seen.add(name)
    if kind == "bool":
        if value == "":
            yield FlagProblem(flag, f"missing a value on flag: {name}")
        elif value is not None and value.lower() not in ("true", "false"):
            yield FlagProblem(flag, f"expecting boolean value for flag {name}, not: {value}")
    elif value is None:
        yield FlagProblem(flag, f"missing a value on flag: {name}")


def parse_mount(spec: str) -> tuple[Mount | None, list[str]]:
    """Parse a `--mount` value (comma-separated, CSV-quoted `key=value` fields) as BuildKit does."""
    import csv  # mount specs are CSV (as in BuildKit); imported only when a file has one

    problems: list[str] = []
    try:
        fields = next(csv.reader([spec]), [])
    except csv.Error as error:
        return None, [f"invalid mount spec {spec!r}: {error}"]
    options: list[tuple[str, str | None]] = []
    for field in fields:
        key, equals, value = field.partition("=")
        key = key.strip().lower()
        if not equals:
            if key not in _MOUNT_BOOL_KEYS:
                problems.append(f"invalid field '{field}' must be a key=value pair")
                continue
            options.append((key, None))
            continue
        if key not in _MOUNT_KEYS:
            problems.append(f"unexpected key '{key}' in '{field}'")
            continue
        options.append((key, value))
    found: dict[str, str | None] = dict(options)
    mount_type = (found.get("type") or "bind").lower()
    if mount_type not in MOUNT_TYPES:
        problems.append(f"unsupported mount type {mount_type!r}")
    target = next((found[k] for k in ("target", "dst", "destination") if k in found), None)
    source = next((found[k] for k in ("source", "src") if k in found), None)
    sharing = found.get("sharing")
    if sharing is not None and sharing.lower() not in _SHARING:
        problems.append(f"unsupported sharing value {sharing!r}")
    mount_id = found.get("id")
    if mount_type == "secret":
        if mount_id is None and target:
            mount_id = target.rstrip("/").rsplit("/", 1)[-1]
        if target is None and found.get("env") is None and mount_id:
            target = f"/run/secrets/{mount_id}"
    elif mount_type == "ssh" and mount_id is None:
        mount_id = "default"
    readonly = _truthy(found, "readonly") or _truthy(found, "ro")
    if _truthy(found, "readwrite") or _truthy(found, "rw"):
        readonly = False
    elif mount_type == "bind" and not any(k in found for k in ("readonly", "ro")):
        readonly = True
    return (
        Mount(
            raw=spec,
            type=mount_type,
            target=target,
            source=source,
            from_=found.get("from"),
            id=mount_id,
            sharing=sharing,
            mode=found.get("mode"),
            uid=found.get("uid"),
            gid=found.get("gid"),
            size=found.get("size"),
            env=found.get("env"),
            readonly=readonly,
            required=_truthy(found, "required"),
            options=tuple(options),
        ),
        problems,
    )


def _truthy(found: dict[str, str | None], key: str) -> bool:
    if key not in found:
        return False
    value = found[key]
    return value is None or value.lower() in ("true", "1", "")
