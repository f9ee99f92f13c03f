"""Compose files read into RunSpecs, one per service, with the positions of the keys that set each field.

Follows the Compose Specification and compose-go's loader: files merged in order (`-f a.yml -f b.yml`;
mappings merge; sequences are joined, those with a unique key (volumes and secrets by target, ports,
environment and labels by name) replace the entry with the same key; `command`, `entrypoint` and
`healthcheck.test` are replaced; `!reset` removes a value and `!override` replaces it), `include`
(each included project loaded on its own, with the `.env` of its directory, and its resources imported;
a local definition is merged over an included one of the same name), `extends` (same file or another),
`${VAR}` interpolation from the environment and `.env`, anchors and merge keys (`<<: *defaults`), `x-`
extensions ignored. Bad input is a `ComposeError` naming the file
and line: YAML errors, duplicate keys, files too large, alias bombs, recursive aliases and nesting too deep
(`yaml_limits`, before the tree is built), `extends` cycles and bombs. A value Docker would refuse
(`mem_limit: lots`) is an `InvalidValue` of its service, which is still read. Schema validation and the
runtime rules build on this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dockwise.diagnostics import TextRange
from dockwise.errors import DockwiseError
from dockwise.limits import MAX_SOURCE_BYTES
from dockwise.runspec import shellwords
from dockwise.runspec.docker_run import DockerRunError, parse_mount, parse_port, parse_volume, restart_problem
from dockwise.runspec.interpolation import InterpolationError, interpolate, read_env_file
from dockwise.runspec.model import HealthCheck, InvalidValue, PortMapping, RawString, RunSpec, VolumeMount
from dockwise.runspec.schema import SchemaProblem, schema_problems
from dockwise.runspec.units import UnitError, parse_duration, parse_integer, parse_number, parse_size
from dockwise.runspec.workload import compose_jobs
from dockwise.runspec.yaml_limits import MAX_EXPANDED_NODES, YamlLimitError, check_limits

MAX_FILE_BYTES = MAX_SOURCE_BYTES
"""The largest Compose (or `.env`) file read: the bound of every file dockwise reads, 40 times the
largest of the 874 corpus Compose files (26 KB), and small enough that any file under it is read in well
under 200 MB (a 5 MB `command:` string took 190 MB as words); `yaml_limits` bounds what a smaller file may
expand to. Scripts share it."""
#: Service keys whose lists a later file adds to instead of replacing (Compose Specification, "Merge");
#: an entry equal to one already there is not added twice (compose-go's `EnforceUnicity`).
_JOINED_LISTS = frozenset(
    {"ports", "expose", "dns", "dns_search", "dns_opt", "tmpfs", "cap_add", "cap_drop", "security_opt",
     "external_links", "env_file", "extra_hosts", "links", "volumes_from", "profiles"}
)  # fmt: skip
#: Lists or mappings of `NAME=value` merged by name (a later value wins).
_MAPPING_LISTS = frozenset({"environment", "labels", "annotations", "sysctls", "args"})
#: Lists or mappings of names merged as mappings (`networks: [a]` and `networks: {b: {}}` make both).
_NAME_MAPPINGS = frozenset({"networks", "depends_on"})
MAX_INCLUDES = 64
"""The most files `include` may load for one project (with their own includes): a list that names one
file a thousand times would otherwise load it a thousand times."""


class ComposeError(DockwiseError, ValueError):
    """A Compose file that cannot be read: the message names the file and, where known, the line."""


@dataclass
class _Positions:
    """Where each key was written: (file, range) by its path of keys."""

    by_path: dict[tuple[str, ...], tuple[str, TextRange]] = field(default_factory=dict)
    lines: dict[tuple[str, ...], tuple[int, int]] = field(default_factory=dict)
    """Line and column (1-based) of each `extends` key, for messages."""
    raw: dict[str, dict[tuple[str, ...], list[RawString]]] = field(default_factory=dict)
    """Each service's strings with a `$` as written, by service name and key; a later file's strings
    for a key replace an earlier file's."""


@dataclass(frozen=True)
class ComposeProject:
    files: tuple[str, ...]
    services: dict[str, RunSpec]
    networks: tuple[str, ...]
    """The networks the files declare (besides `default`)."""
    declared: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The names each top-level mapping (`networks`, `volumes`, `secrets`, `configs`) declares, for the
    kinds the files declare at all (`networks: {}` counts; no `networks` key does not)."""
    dotenv: frozenset[str] = frozenset()
    """The variables the project's `.env` (or the environment given to the loader) defines; the
    process environment of the linter is not the deployment's, so it is not counted."""
    complete: bool = True
    """False when the files `include` others that were not read: then what the project declares is
    not all known."""
    problems: tuple[str, ...] = ()
    """What Compose itself would refuse but a linter reads past (`${VAR:?}` with VAR unset)."""
    schema_problems: tuple[SchemaProblem, ...] = ()
    """Where the files break the Compose Specification's schema (see `dockwise.runspec.schema`)."""


class _Reset:
    """`!reset`: the key is removed by the merge."""


class _Override:
    """`!override value`: the value replaces instead of merging."""

    def __init__(self, value: Any) -> None:
        self.value = value


def load_compose(
    paths: Sequence[Path], environment: Mapping[str, str] | None = None, *, validate: bool = True
) -> ComposeProject:
    """Load and merge Compose files (in the order given) into one RunSpec per service; with `validate`,
    each file is also checked against the Compose schema (problems are reported, not raised)."""
    if not paths:
        raise ComposeError("no Compose file given")
    if environment is not None:
        env, dotenv = dict(environment), frozenset(environment)
    else:
        env, dotenv = _environment(paths[0].parent)
    positions = _Positions()
    missing: list[str] = []
    problems: list[SchemaProblem] = []
    loading = _Loading(env, missing, problems if validate else None, [MAX_INCLUDES])
    merged = _strip(_load_documents(paths, positions, loading, ()))
    first_file = loading.first_file
    services = merged.get("services") or {}
    if not isinstance(services, dict):
        raise ComposeError(f"{paths[0]}: `services` must be a mapping")
    specs = {}
    jobs = compose_jobs(services, first_file)
    devices = volume_devices(merged.get("volumes"))
    for name, service in services.items():
        if not isinstance(service, dict):
            raise ComposeError(f"{paths[0]}: service {name!r} must be a mapping")
        try:
            spec = _runspec(str(name), service, positions, str(paths[-1]), devices)
            reason = jobs.get(str(name))
            specs[str(name)] = replace(spec, workload="job", workload_reason=reason) if reason else spec
        except (ValueError, TypeError) as error:  # DockerRunError and UnitError are ValueErrors
            if any(p.yaml_path.startswith(f"services.{name}") for p in problems):
                continue  # the schema problem already says what is wrong with this service
            raise ComposeError(f"{paths[-1]}: service {name!r}: {error}") from None
    return ComposeProject(
        tuple(str(p) for p in paths),
        specs,
        _declared(merged, "networks"),
        declared={
            kind: _declared(merged, kind)
            for kind in ("networks", "volumes", "secrets", "configs")
            if kind in merged
        },
        dotenv=dotenv,
        complete="include" not in merged,
        problems=tuple(dict.fromkeys(missing)),
        schema_problems=tuple(problems),
    )


class _Loading:
    """What every file of one project shares while it loads: the variables, the ones found missing, the
    schema problems (None: not validated) and what is left of the `include` budget."""

    def __init__(
        self, env: dict[str, str], missing: list[str], problems: list[SchemaProblem] | None, budget: list[int]
    ) -> None:
        self.env = env
        self.missing = missing
        self.problems = problems
        self.budget = budget
        self.first_file: dict[str, Path] = {}
        """The first file that names each service (an overlay that only adds to a service does not
        make it the overlay's: see `workload.compose_jobs`)."""

    def included(self, env: dict[str, str]) -> _Loading:
        inner = _Loading(env, self.missing, self.problems, self.budget)
        inner.first_file = self.first_file
        return inner


def _load_documents(
    paths: Sequence[Path], positions: _Positions, loading: _Loading, including: tuple[Path, ...]
) -> dict[str, Any]:
    """Each file read, its `include`s imported, its `extends` resolved, then merged over the ones before
    (compose-go's order)."""
    merged: dict[str, Any] = {}
    for path in paths:
        document = _load_file(path, loading.env, positions, loading.missing)
        for name in _dict(document.get("services")):
            loading.first_file.setdefault(str(name), path)
        if "include" in document:
            _resolve_includes(document, path, positions, loading, (*including, path.resolve()))
        _resolve_extends(document, path, _Files(loading.env, loading.missing, positions))
        if loading.problems is not None:
            loading.problems.extend(schema_problems(_strip(document), str(path), positions.by_path))
        merged = _merge(merged, document)
    return merged


_RESOURCES = ("services", "volumes", "networks", "secrets", "configs")


def _resolve_includes(
    document: dict[str, Any], path: Path, positions: _Positions, loading: _Loading, chain: tuple[Path, ...]
) -> None:
    """Load each project `include` names on its own (its directory's `.env` under this project's
    variables) and copy its resources in; a resource defined here too is merged over the included one."""
    entries = _strip(document.pop("include"))
    if entries is None:
        return
    if not isinstance(entries, list):
        raise ComposeError(f"{path}: `include` must be a list")
    for entry in entries:
        written = entry.get("path") if isinstance(entry, dict) else entry
        files = [str(item) for item in (written if isinstance(written, list) else [written]) if item]
        if not files or len(files) != (len(written) if isinstance(written, list) else 1):
            raise ComposeError(f"{path}: every `include` needs a path")
        targets = [(path.parent / item).resolve() for item in files]
        for target, item in zip(targets, files, strict=True):
            if target in chain:
                raise ComposeError(f"{path}: include cycle: {item} includes {path.name} again")
            if not target.is_file():
                raise ComposeError(f"{path}: include {item}: no such file")
        loading.budget[0] -= len(targets)
        if loading.budget[0] < 0:
            raise ComposeError(f"{path}: `include` loads more than {MAX_INCLUDES} files for one project")
        env = {**_dotenv(targets[0].parent), **loading.env}
        own = _Positions()
        imported = _strip(_load_documents(targets, own, loading.included(env), chain))
        _import_resources(document, imported, own, positions)


def _import_resources(
    document: dict[str, Any], imported: dict[str, Any], own: _Positions, positions: _Positions
) -> None:
    for kind in _RESOURCES:
        resources = imported.get(kind)
        if not isinstance(resources, dict):
            continue
        local = document.get(kind)
        if local is None:  # `services:` with nothing under it
            local = document[kind] = {}
        if not isinstance(local, dict):
            continue  # the schema problem says what is wrong
        for name, value in resources.items():
            local[name] = _merge(value, local[name]) if name in local else value
        for key, where in own.by_path.items():
            if key[:1] == (kind,) and len(key) > 1 and key[1] in resources:
                positions.by_path.setdefault(key, where)


def _dotenv(folder: Path) -> dict[str, str]:
    dotenv = folder / ".env"
    if not dotenv.is_file():
        return {}
    try:
        _check_size(dotenv, "an .env file")
        return read_env_file(dotenv)
    except (OSError, UnicodeDecodeError) as error:
        raise ComposeError(f"{dotenv}: cannot read: {error}") from None


def _declared(merged: dict[str, Any], kind: str) -> tuple[str, ...]:
    """The names a top-level mapping (`networks`, `volumes`, `secrets`, `configs`) declares."""
    found = merged.get(kind)
    return tuple(str(name) for name in found) if isinstance(found, dict) else ()


def project_environment(folder: Path) -> dict[str, str]:
    """What `${VAR}` becomes in a Compose file of `folder`: the process environment over its `.env`."""
    return _environment(folder)[0]


def _environment(folder: Path) -> tuple[dict[str, str], frozenset[str]]:
    """The process environment over the project's `.env` (the environment wins, as in Compose), and
    the names the `.env` defines."""
    import os

    env = _dotenv(folder)
    names = frozenset(env)
    env.update(os.environ)
    return env, names


def _check_size(path: Path, kind: str = "a Compose file") -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ComposeError(f"{path}: {size} bytes is too large for {kind} (the limit is {MAX_FILE_BYTES})")


def _load_file(
    path: Path, env: Mapping[str, str], positions: _Positions, missing: list[str]
) -> dict[str, Any]:
    """One file: read, measure (`yaml_limits`: size, depth, alias bombs and recursive aliases are refused
    before the tree is built), parse with libyaml (PyYAML's C composer: fast, with line and column of
    every node), and turn the node tree into plain values, interpolated, with the position of every key.
    `extends` is left for `_resolve_extends`."""
    from dockwise.sources import unsaved_text

    try:
        text = unsaved_text(path)  # the language server's buffer, when the file is being edited
        if text is None:
            _check_size(path)
            text = path.read_bytes().decode("utf-8")
        elif len(text) > MAX_FILE_BYTES:
            raise OSError(f"over the {MAX_FILE_BYTES} bytes dockwise reads from one file")
    except (OSError, UnicodeDecodeError) as error:
        raise ComposeError(f"{path}: cannot read: {error}") from None
    return _parsed(text, str(path), env, positions, missing)


def load_compose_text(text: str, file: str, environment: Mapping[str, str]) -> dict[str, Any]:
    """One Compose file's text as the loader reads it (merge keys applied, `x-` keys left out, strings
    interpolated from `environment`, a missing variable read as empty), before `include` and `extends`:
    what `fix --harden` compares its edit against. Bad input is a `ComposeError` naming `file`."""
    document: dict[str, Any] = _strip(_parsed(text, file, environment, _Positions(), []))
    return document


def _parsed(
    text: str, path: str, env: Mapping[str, str], positions: _Positions, missing: list[str]
) -> dict[str, Any]:
    import yaml

    try:
        check_limits(text)
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except YamlLimitError as error:
        raise ComposeError(f"{path}: {error.message} at line {error.line}, column {error.column}") from None
    except yaml.MarkedYAMLError as error:
        raise ComposeError(f"{path}: invalid YAML {_mark(error)}: {error.problem}") from None
    except yaml.YAMLError as error:
        raise ComposeError(f"{path}: invalid YAML: {error}") from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise ComposeError(f"{path}: a Compose file is a mapping at the top")
    walker = _NodeWalker(env, positions, path, line_starts(text), text, missing)
    plain = walker.value(root, ())
    if not isinstance(plain, dict):  # `!reset` or `!override` on the whole file: nothing to merge into
        raise ComposeError(f"{path}: a Compose file is a mapping at the top, not tagged {root.tag}")
    return plain


def _mark(error: Any) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return f"at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def line_starts(text: str) -> list[int]:
    """The offset where each line of `text` begins (YAML marks give lines and columns)."""
    starts = [0]
    found = text.find("\n")
    while found >= 0:
        starts.append(found + 1)
        found = text.find("\n", found + 1)
    return starts


_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"


class _NodeWalker:
    """PyYAML nodes into plain dicts, lists and scalars: merge keys applied, duplicate keys refused,
    `!reset`/`!override` kept as markers for the merge, strings interpolated, every key's position kept.
    `yaml_limits` has already bounded the depth and the expanded size, and refused cycles."""

    def __init__(
        self,
        env: Mapping[str, str],
        positions: _Positions,
        file: str,
        lines: list[int],
        text: str,
        missing: list[str],
    ) -> None:
        import yaml

        self.env = env
        self.positions = positions
        self.file = file
        self.lines = lines
        self.text = text
        self.missing = missing
        self.constructor = yaml.constructor.SafeConstructor()
        self.yaml = yaml
        self.raw_keys: set[tuple[str, ...]] = set()
        """The keys whose raw strings this file has replaced (a list's items add to each other)."""

    def value(self, node: Any, path: tuple[str, ...]) -> Any:
        if node.tag == "!reset":
            return _Reset()
        if node.tag == "!override":
            return _Override(self._plain(node, path))
        return self._plain(node, path)

    def _plain(self, node: Any, path: tuple[str, ...]) -> Any:
        yaml = self.yaml
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, path) for item in node.value]
        if node.tag == _BOOL and path[-1:] == ("restart",):
            return node.value  # `restart: no` is the string "no" to Compose: its YAML 1.2 has no `no` boolean
        if node.tag in (_STR, "!reset", "!override") or node.tag.startswith("!"):
            if "$" in node.value and len(path) > 2 and path[0] == "services":
                self._keep_raw(node, path)
            return self._interpolated(node)
        try:
            return self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError):
            # A scalar its resolved type cannot read (a timestamp like 2024-99-99): keep the text.
            return node.value

    def _keep_raw(self, node: Any, path: tuple[str, ...]) -> None:
        """Keep a service's string with a `$` as written, with where it is."""
        start, end = node.start_mark, node.end_mark
        if end.line >= len(self.lines):
            return
        where = TextRange(self.lines[start.line] + start.column, self.lines[end.line] + end.column)
        by_key = self.positions.raw.setdefault(path[1], {})
        key = path[2:]
        if path not in self.raw_keys:
            self.raw_keys.add(path)
            by_key[key] = []
        by_key[key].append(RawString(key, node.value, self.file, where))

    def _interpolated(self, node: Any) -> str:
        try:
            return interpolate(node.value, self.env, self.missing)
        except InterpolationError as error:
            mark = node.start_mark
            raise ComposeError(
                f"{self.file}: {error} at line {mark.line + 1}, column {mark.column + 1}"
            ) from None

    def _mapping(self, node: Any, path: tuple[str, ...]) -> dict[str, Any]:
        yaml = self.yaml
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in reversed(sources):  # the first mapping listed wins
                    extra = self.value(source, path)
                    if isinstance(extra, dict):
                        merged.update(extra)
                continue
            name = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else _key_text(key_node)
            if name in seen:
                line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                raise ComposeError(f"{self.file}: duplicate key {name!r} at line {line}, column {column}")
            seen.add(name)
            if not path and name.startswith("x-"):
                continue
            self._record((*path, name), key_node, value_node)
            result[name] = self.value(value_node, (*path, name))
        return {**merged, **result}

    def _record(self, path: tuple[str, ...], key_node: Any, value_node: Any) -> None:
        """Keep where the key was written: the key to the end of its line, or of its value when that
        ends first (`{a: 1, b: 2}` on one line). Offsets come from the line table: searching for the
        line's end from every key was quadratic in a long line."""
        mark = key_node.start_mark
        if mark.line >= len(self.lines):
            return
        start = self.lines[mark.line] + mark.column
        following = mark.line + 1
        end = self.lines[following] - 1 if following < len(self.lines) else len(self.text)
        value_end = value_node.end_mark
        if value_end.line == mark.line:
            end = min(end, self.lines[mark.line] + value_end.column)
        self.positions.by_path[path] = (self.file, TextRange(start, max(start, end)))
        if path[-1] == "extends":  # for the message of a cycle; not kept for every key (memory)
            self.positions.lines[path] = (mark.line + 1, mark.column + 1)


def _key_text(node: Any) -> str:
    """A mapping or sequence used as a key (`? [a, b]`): its text, which no Compose key matches."""
    return f"<{type(node).__name__} at line {node.start_mark.line + 1}>"


class _Files:
    """The files `extends` reads, each loaded once (a file that extends itself, or a cycle of files,
    would otherwise load forever)."""

    def __init__(self, env: Mapping[str, str], missing: list[str], positions: _Positions) -> None:
        self.env = env
        self.missing = missing
        self.positions = positions
        self.documents: dict[Path, dict[str, Any]] = {}
        self.file_positions: dict[Path, _Positions] = {}
        """Where the keys of each other file were written, so that a setting a service inherits points
        at the base that wrote it."""
        self.by_service: dict[tuple[int, str], list[tuple[tuple[str, ...], tuple[str, TextRange]]]] = {}
        self.budget = MAX_EXPANDED_NODES
        """Values the services built by `extends` may add up to: each is a copy of its base plus its own
        keys, so 1,000 services extending one with a long list would be an alias bomb by other means."""

    def spend(self, service: Any, shown: Path, name: str) -> None:
        self.budget -= _count_values(service, self.budget)
        if self.budget < 0:
            raise ComposeError(
                f"{shown}: service {name!r}: the services `extends` builds add up to more than "
                f"{MAX_EXPANDED_NODES} values (an extends bomb?)"
            )

    def inherit(self, main: Path, name: str, bases: list[tuple[Path, str]]) -> None:
        """Give the service `name` of the main file the positions of what it inherits from `bases`
        (nearest first), where it does not write the key itself."""
        for base_file, base_name in bases:
            source = self.positions if base_file == main else self.file_positions.get(base_file)
            if source is None:
                continue
            added = []
            for rest, where in self._keys_of(source, base_name):
                key = ("services", name, *rest)
                if key not in self.positions.by_path:
                    self.positions.by_path[key] = where
                    added.append((rest, where))
            if (id(self.positions), name) in self.by_service:  # keep the index of the main file true
                self.by_service[(id(self.positions), name)].extend(added)

    def _keys_of(
        self, source: _Positions, service: str
    ) -> list[tuple[tuple[str, ...], tuple[str, TextRange]]]:
        """The positions under one service, indexed once per file (not rescanned for every service that
        extends it)."""
        if (id(source), "") not in self.by_service:  # "" marks a file already indexed
            self.by_service[(id(source), "")] = []
            for key, where in list(source.by_path.items()):
                if len(key) > 1 and key[0] == "services":
                    entries = self.by_service.setdefault((id(source), key[1]), [])
                    if len(key) > 2:
                        entries.append((key[2:], where))
        return self.by_service.get((id(source), service), [])

    def services(self, path: Path) -> dict[str, Any]:
        document = self.documents.get(path)
        if document is None:
            positions = self.file_positions[path] = _Positions()
            document = _load_file(path, self.env, positions, self.missing)
            self.documents[path] = document
        services = document.get("services")
        return services if isinstance(services, dict) else {}


def _resolve_extends(document: dict[str, Any], path: Path, files: _Files) -> None:
    """Replace every service of `document` that `extends` another by the merge of the two."""
    services = document.get("services")
    if not isinstance(services, dict):
        return
    here = path.resolve()
    files.documents[here] = document
    resolved: dict[tuple[Path, str], Any] = {}
    for name in list(services):
        services[name] = _extended(here, str(name), path, files, resolved)


def _extended(
    file: Path, name: str, shown: Path, files: _Files, resolved: dict[tuple[Path, str], Any]
) -> Any:
    """The service `name` of `file` with its chain of `extends` merged in, base first. The chain is
    followed in a loop, not by recursion, so a long chain cannot exhaust the stack; a service met twice
    on it is a cycle, reported with the whole chain."""
    chain: list[tuple[tuple[Path, str], dict[str, Any]]] = []
    on_chain: list[tuple[Path, str]] = []
    current = (file, name)
    while current not in resolved:
        if current in on_chain:
            raise ComposeError(
                f"{shown}: service {name!r} extends itself: {_chain_text(on_chain, current, file)}"
                + _where_written(files.positions, file, shown, name)
            )
        on_chain.append(current)
        current_file, current_name = current
        service = files.services(current_file).get(current_name)
        if not isinstance(service, dict) or "extends" not in service:
            resolved[current] = service
            break
        base_file, base_name = _extends_target(service["extends"], current_file, current_name, shown)
        if base_file != current_file and not base_file.is_file():
            written = service["extends"].get("file")
            raise ComposeError(f"{shown}: service {current_name!r} extends {written}, which does not exist")
        if base_name not in files.services(base_file):
            raise ComposeError(
                f"{shown}: service {current_name!r} extends {base_name!r}, which does not exist"
            )
        chain.append((current, {key: value for key, value in service.items() if key != "extends"}))
        current = (base_file, base_name)
    result = resolved[current]
    for key, own in reversed(chain):
        result = _merge(result, own)
        files.spend(result, shown, name)
        resolved[key] = result
    if chain:
        files.inherit(file, name, [step for step, _ in chain[1:]] + [current])
    return resolved[(file, name)]


def _count_values(value: Any, limit: int) -> int:
    """How many values (mappings, lists, scalars) `value` holds, counting stopped once past `limit`."""
    count = 0
    pending = [value]
    while pending and count <= limit:
        item = pending.pop()
        count += 1
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return count


def _extends_target(extends: Any, file: Path, name: str, shown: Path) -> tuple[Path, str]:
    """The (file, service) an `extends` names: `extends: web` or `extends: {file: x.yaml, service: web}`."""
    if isinstance(extends, str):
        extends = {"service": extends}
    if not isinstance(extends, dict) or not isinstance(extends.get("service"), str) or not extends["service"]:
        raise ComposeError(f"{shown}: service {name!r}: `extends` needs a service name")
    other = extends.get("file")
    if other is None:
        return file, extends["service"]
    if not isinstance(other, str):
        raise ComposeError(f"{shown}: service {name!r}: `extends.file` must be a path")
    return (file.parent / other).resolve(), extends["service"]


def _chain_text(chain: list[tuple[Path, str]], again: tuple[Path, str], file: Path) -> str:
    """`web -> other.yaml:api -> web`: services of the first file by name, others with their file."""
    steps = [*chain[chain.index(again) :], again]
    return " -> ".join(step if path == file else f"{path.name}:{step}" for path, step in steps)


def _where_written(positions: _Positions, file: Path, shown: Path, name: str) -> str:
    """`at line N, column M` of the service's `extends` key when it is in the file being loaded."""
    if file != shown.resolve():
        return ""
    found = positions.lines.get(("services", name, "extends"))
    return f" at line {found[0]}, column {found[1]}" if found else ""


def _merge(base: Any, override: Any, key: str = "") -> Any:
    """Compose's merge of `override` over `base`."""
    if isinstance(override, _Override):
        return _strip(override.value)
    if isinstance(base, dict) and isinstance(override, dict):
        if key == "logging" and "driver" in base and override.get("driver", base["driver"]) != base["driver"]:
            return _strip(override)  # another driver: its options mean nothing to the old one
        result = dict(base)
        for name, value in override.items():
            if isinstance(value, _Reset):
                result.pop(name, None)
            elif name in result:
                result[name] = _merge(result[name], value, name)
            else:
                result[name] = _strip(value)
        return result
    if key in _MAPPING_LISTS and isinstance(base, list | dict) and isinstance(override, list | dict):
        return _merge(_as_mapping(base), _as_mapping(override))
    if key in _NAME_MAPPINGS and isinstance(base, list | dict) and isinstance(override, list | dict):
        return _merge(_names(base), _names(override))
    if isinstance(base, list) and isinstance(override, list):
        index = _UNIQUE_BY.get(key)
        if index is not None:
            return _merge_unique(base, _strip(override), index)
        if key in _JOINED_LISTS:
            return base + [item for item in _strip(override) if item not in base]
    if key == "build" and isinstance(base, str | dict) and isinstance(override, str | dict):
        return _merge(_build(base), _build(override))
    return _strip(override)


def _names(value: list[Any] | dict[str, Any]) -> dict[str, Any]:
    return value if isinstance(value, dict) else {str(item): None for item in value}


def _build(value: str | dict[str, Any]) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"context": value}


def _merge_unique(base: list[Any], override: list[Any], index: Callable[[Any], str]) -> list[Any]:
    """`base` with each entry of `override` added, or put in place of the entry with the same key."""
    result = list(base)
    where = {index(item): number for number, item in enumerate(result)}
    for item in override:
        key = index(item)
        if key in where:
            result[where[key]] = item
        else:
            where[key] = len(result)
            result.append(item)
    return result


def _mount_target(item: Any) -> str:
    """The key of a volume: its target (`./data:/data:ro` and `{target: /data}` are the same mount)."""
    if isinstance(item, dict):
        return str(item.get("target", ""))
    parts = str(item).split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _secret_target(item: Any) -> str:
    """The key of a secret or config: its target, by default `/run/secrets/<source>`."""
    if isinstance(item, dict):
        return str(item.get("target") or f"/run/secrets/{item.get('source', '')}")
    return f"/run/secrets/{item}"


def _port_key(item: Any) -> str:
    if isinstance(item, dict):
        return (
            f"{item.get('host_ip', '0.0.0.0')}:{item.get('published')}:{item.get('target')}"
            f"/{item.get('protocol', 'tcp')}"
        )
    return str(item)


_UNIQUE_BY: dict[str, Callable[[Any], str]] = {
    "volumes": _mount_target,
    "devices": _mount_target,
    "secrets": _secret_target,
    "configs": _secret_target,
    "ports": _port_key,
}


def _strip(value: Any) -> Any:
    if isinstance(value, _Override):
        return _strip(value.value)
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not isinstance(v, _Reset)}
    if isinstance(value, list):
        return [_strip(v) for v in value if not isinstance(v, _Reset)]
    return value


def _as_mapping(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for item in value:
        name, equals, rest = str(item).partition("=")
        result[name] = rest if equals else None
    return result


# --- service → RunSpec ------------------------------------------------------------------------------


def _runspec(
    name: str,
    service: dict[str, Any],
    positions: _Positions,
    default_file: str,
    devices: Mapping[str, str] | None = None,
) -> RunSpec:
    prefix = ("services", name)
    file, span = positions.by_path.get(prefix, (default_file, TextRange(0, 0)))
    deploy = _dict(service.get("deploy"))
    limits = _dict(_dict(deploy.get("resources")).get("limits"))
    where: dict[str, TextRange] = {}
    files: dict[str, str] = {}
    invalid: list[InvalidValue] = []

    def mark(field_name: str, *keys: str) -> None:
        found = positions.by_path.get((*prefix, *keys))
        if found is not None and field_name not in where:
            where[field_name] = found[1]
            if found[0] != file:
                files[field_name] = found[0]

    values: dict[str, Any] = {}

    def read(field_name: str, convert: Callable[[Any], object], raw: Any, *keys: tuple[str, ...]) -> None:
        """One value with a unit: a bad one is an InvalidValue (the field stays unknown), an empty one
        (`${MEM}` unset) is unknown."""
        for key in keys:
            mark(field_name, *key)
        if _unset(raw):
            return
        try:
            values[field_name] = convert(raw)
        except UnitError as error:
            invalid.append(InvalidValue(field_name, f"service {name!r}: {error}"))

    # A limit under deploy.resources.limits wins over the service-level key of the same meaning.
    limit_keys: tuple[tuple[str, str, str, Callable[[Any], Any]], ...] = (
        ("memory", "mem_limit", "memory", parse_size),
        ("cpus", "cpus", "cpus", lambda raw: parse_number(raw, "number of CPUs")),
        ("pids_limit", "pids_limit", "pids", lambda raw: parse_integer(raw, "pids limit")),
    )
    for field_name, service_key, limit_key, parse in limit_keys:
        if service_key in service or limit_key in limits:
            raw = limits[limit_key] if limit_key in limits else service.get(service_key)
            read(field_name, parse, raw, ("deploy", "resources", "limits", limit_key), (service_key,))
        if "limits" in _dict(deploy.get("resources")) and not _unset(service.get(service_key)):
            conflict = _distinct_limits(service[service_key], limits.get(limit_key), parse)
            if conflict:
                found = positions.by_path.get((*prefix, service_key))
                own, other = conflict
                message = (
                    f"`{service_key}: {own}` and `deploy.resources.limits.{limit_key}: {other}` differ"
                    if other is not None
                    else f"`{service_key}: {own}` beside a `deploy.resources.limits` without "
                    f"`{limit_key}` (Compose compares it with 0)"
                )
                where_written = found[1] if found is not None and found[0] == file else None
                invalid.append(
                    InvalidValue(
                        field_name,
                        f"service {name!r}: {message}, and Compose refuses distinct values: set the "
                        f"limit in one place",
                        where_written,
                    )
                )
    if "memswap_limit" in service:
        swap = service["memswap_limit"]
        read("memory_swap", lambda raw: -1 if str(raw) == "-1" else parse_size(raw), swap, ("memswap_limit",))
    if "stop_grace_period" in service:
        read("stop_grace_period", parse_duration, service["stop_grace_period"], ("stop_grace_period",))
    simple = {
        "image": "image", "user": "user", "stop_signal": "stop_signal", "network_mode": "network_mode",
        "pid": "pid", "ipc": "ipc", "uts": "uts", "userns_mode": "userns", "restart": "restart",
    }  # fmt: skip
    for key, field_name in simple.items():
        if service.get(key) is not None:
            values[field_name] = str(service[key])
            mark(field_name, key)
    problem = restart_problem(values["restart"], False) if "restart" in values else None
    if problem is not None and "$" not in values["restart"]:
        invalid.append(
            InvalidValue("restart", f"service {name!r}: restart {values.pop('restart')}: {problem}")
        )
    restart_policy = deploy.get("restart_policy") if isinstance(deploy, dict) else None
    if "restart" not in values and isinstance(restart_policy, dict) and restart_policy.get("condition"):
        values["restart"] = str(restart_policy["condition"])
        mark("restart", "deploy", "restart_policy")
    for key in ("read_only", "privileged", "init", "use_api_socket"):
        if key in service:
            values[key] = _boolean(service[key])
            mark(key, key)
    for key in ("cap_add", "cap_drop", "security_opt", "secrets", "configs"):
        if key in service:
            items = service[key] or []
            values[key] = tuple(
                (str(item.get("source", "")) if isinstance(item, dict) else str(item)) for item in items
            )
            if key.startswith("cap_"):
                values[key] = tuple(c.upper().removeprefix("CAP_") for c in values[key])
            mark(key, key)
    for key in ("command", "entrypoint"):
        if service.get(key) is not None:
            value = service[key]
            words = shellwords.split(value) if isinstance(value, str) else [str(v) for v in value]
            values[key] = tuple(words)
            if isinstance(value, str):
                values["string_form"] = (*values.get("string_form", ()), key)
            mark(key, key)
    if "networks" in service:
        networks = service["networks"] or []
        names = networks if isinstance(networks, list) else list(networks)
        values["networks"] = tuple(str(n) for n in names)
        mark("networks", "networks")
    if "ports" in service:
        ports = []
        for item in service["ports"] or []:
            if _unset(item):
                continue
            try:
                ports.append(_port(item))
            except (DockerRunError, UnitError) as error:
                invalid.append(InvalidValue("ports", f"service {name!r}: {error}"))
        values["ports"] = tuple(ports)
        mark("ports", "ports")
    if "volumes" in service:
        values["volumes"] = tuple(_volume(item, devices or {}) for item in service["volumes"] or [])
        mark("volumes", "volumes")
    if "tmpfs" in service:
        tmpfs = service["tmpfs"]
        entries = [tmpfs] if isinstance(tmpfs, str) else list(tmpfs or [])
        values["tmpfs"] = tuple(str(t).split(":", 1)[0] for t in entries)
        mark("tmpfs", "tmpfs")
    if "environment" in service:
        values["environment"] = {
            k: (None if v is None else str(v)) for k, v in _as_mapping(service["environment"] or {}).items()
        }
        mark("environment", "environment")
    if "ulimits" in service:
        values["ulimits"] = {str(k): _ulimit(v) for k, v in _mapping(service["ulimits"], "ulimits").items()}
        mark("ulimits", "ulimits")
    logging = service.get("logging")
    if isinstance(logging, dict):
        if logging.get("driver"):
            values["logging_driver"] = str(logging["driver"])
        values["logging_options"] = {str(k): str(v) for k, v in _dict(logging.get("options")).items()}
        mark("logging_driver", "logging")
        mark("logging_options", "logging")
    if "healthcheck" in service:
        values["healthcheck"] = _healthcheck(_dict(service["healthcheck"]), name, invalid)
        mark("healthcheck", "healthcheck")
    build = _dict(service.get("build"))
    if build.get("args"):
        args = build["args"]
        values["build_args"] = {
            str(k): (None if v is None else str(v))
            for k, v in _as_mapping(args if isinstance(args, list | dict) else {}).items()
        }
        mark("build_args", "build", "args")
    if isinstance(build.get("secrets"), list):
        values["build_secrets"] = tuple(
            str(item.get("source", "")) if isinstance(item, dict) else str(item) for item in build["secrets"]
        )
        mark("build_secrets", "build", "secrets")
    raw = positions.raw.get(name)
    if raw:
        values["raw"] = tuple(string for strings in raw.values() for string in strings)
    keys = {str(key): positions.by_path.get((*prefix, str(key)), (file, span)) for key in service}
    return RunSpec(
        origin="compose",
        path=file,
        name=name,
        span=span,
        where=where,
        files=files,
        keys=keys,
        invalid=tuple(invalid),
        **values,
    )


def _distinct_limits(
    service_value: Any, limit_value: Any, parse: Callable[[Any], Any]
) -> tuple[str, str | None] | None:
    """The two values as written when the service-level key and `deploy.resources.limits` disagree
    (compose-go's consistency check: a `limits` mapping without the key counts as 0), else None.
    Values that cannot be read are the InvalidValue's business, not this check's."""
    try:
        own = parse(service_value)
        other = 0 if _unset(limit_value) else parse(limit_value)
    except UnitError:
        return None
    if not own:
        return None  # compose-go checks only a non-zero service-level value
    if isinstance(own, float) or isinstance(other, float):
        import struct

        # compose-go compares float32 values: 0.1 written twice is equal whatever its spelling
        same = struct.pack("f", float(own)) == struct.pack("f", float(other))
    else:
        same = own == other
    if same:
        return None
    return str(service_value), None if _unset(limit_value) else str(limit_value)


def _unset(value: Any) -> bool:
    """None, or a string that interpolation left without content (`"${PORT}:"` with PORT unset)."""
    return value is None or (isinstance(value, str) and not value.split("/", 1)[0].strip(" :"))


def _dict(value: Any) -> dict[str, Any]:
    """`value` when it is a mapping, else empty (the schema problem says what is wrong with it)."""
    return value if isinstance(value, dict) else {}


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be a mapping, not {value!r}")
    return value


def _boolean(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "yes", "1")


def _port(item: Any) -> PortMapping:
    if isinstance(item, dict):
        published = item.get("published")
        return PortMapping(
            target=str(item.get("target", "")),
            published=str(published) if published is not None else None,
            host_ip=str(item["host_ip"]) if item.get("host_ip") else None,
            protocol=str(item.get("protocol") or "tcp").lower(),
        )
    return parse_port(str(item))


def volume_devices(volumes: Any) -> dict[str, str]:
    """The host path each top-level named volume binds (local driver, `driver_opts: {type: none, o: bind,
    device: /srv/data}`), by volume name: mounting such a volume is a bind mount of that path."""
    devices: dict[str, str] = {}
    for name, definition in _dict(volumes).items():
        options = _dict(_dict(definition).get("driver_opts"))
        bind = "bind" in str(options.get("o", "")).replace(",", " ").split()
        if bind and options.get("device") and _dict(definition).get("driver", "local") == "local":
            devices[str(name)] = str(options["device"])
    return devices


def _volume(item: Any, devices: Mapping[str, str]) -> VolumeMount:
    if isinstance(item, dict):
        propagation = _dict(item.get("bind")).get("propagation")
        mount = VolumeMount(
            str(item.get("type", "volume")),
            str(item.get("target", "")),
            str(item["source"]) if item.get("source") is not None else None,
            _boolean(item.get("read_only", False)),
            str(propagation) if propagation else None,
        )
    else:
        text = str(item)
        mount = parse_mount(text) if text.startswith("type=") else parse_volume(text)
    if mount.type == "volume" and mount.source is not None and mount.source in devices:
        return replace(mount, device=devices[mount.source])
    return mount


def _ulimit(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value.get('soft', '')}:{value.get('hard', '')}"
    return str(value)


def _healthcheck(value: dict[str, Any], service: str, invalid: list[InvalidValue]) -> HealthCheck:
    test = value.get("test")
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    tests = tuple(str(t) for t in test) if isinstance(test, list) else ()
    disabled = _boolean(value.get("disable", False)) or tests[:1] == ("NONE",)

    def number(key: str, convert: Callable[[Any], float | int]) -> Any:
        if _unset(value.get(key)):
            return None
        try:
            return convert(value[key])
        except UnitError as error:
            invalid.append(InvalidValue("healthcheck", f"service {service!r}: healthcheck {key}: {error}"))
            return None

    return HealthCheck(
        test=tests,
        disabled=disabled,
        interval=number("interval", parse_duration),
        timeout=number("timeout", parse_duration),
        retries=number("retries", lambda raw: parse_integer(raw, "number of retries")),
        start_period=number("start_period", parse_duration),
    )


def services_of(project: ComposeProject) -> Iterator[RunSpec]:
    yield from project.services.values()
