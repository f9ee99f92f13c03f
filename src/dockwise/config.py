"""Settings: built-in defaults, then the project's config file, then command-line flags.

Each file is checked with the config file nearest to it, found walking up from its directory
(`SettingsByFile`; the order of the paths on the command line does not matter): `.dockwise.toml`,
`dockwise.toml`, or `pyproject.toml` with a `[tool.dockwise]` table (in one directory the dedicated file
wins). When none exists, a `.hadolint.yaml`/`.hadolint.yml` found the same way is read instead, so a project
moving from hadolint keeps its `ignored`, `override`, `failure-threshold`, `trustedRegistries` and
`label-schema`. Unlike hadolint, a broken config is an error that names the file and key: silently falling
back to defaults would change what CI enforces.

```toml
[tool.dockwise]
select = ["DW1", "DW3"]            # codes, prefixes, names, categories or peer codes; default: all
extend-select = ["SC"]             # opt-in rules to run besides the selection (here ShellCheck, DW690)
ignore = ["DL3007", "SC2086"]
fail-on = "warning"                # error | warning | info | style
trusted-registries = ["ghcr.io/acme", "docker.io"]
required-labels = ["org.opencontainers.image.source"]   # or a table: name = "url" (a value type)
strict-labels = false              # true: a label not in required-labels is reported
target = "compose"                 # how Compose files are deployed: "compose" or "swarm" (stack deploy)
min-stop-grace-period = "5s"       # DW742: the least time a service should get to stop
package-cache = "remove"           # how fixes keep package caches out of layers: "remove" (--no-cache-dir,
                                   # rm -rf the lists), "mount" (RUN --mount=type=cache, needs BuildKit)
                                   # or "auto" (mount where the Dockerfile already needs BuildKit)

[tool.dockwise.severity]           # per-rule severity overrides
DW402 = "warning"

[tool.dockwise.per-file-ignores]   # globs relative to the config file's directory
"legacy/**" = ["DW301"]

[tool.dockwise.multi-stage.runtime-bases]   # `fix --multi-stage`: the runtime stage's base per ecosystem
go = "registry.example.com/distroless/static-debian12:nonroot"   # go, go-cgo, rust, node, python, java
```
"""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockwise.diagnostics import Diagnostic, Severity
from dockwise.errors import DockwiseError
from dockwise.record import Record
from dockwise.suppress import Selector, parse_selectors

if TYPE_CHECKING:
    from dockwise.rules import Rule

DOCKWISE_FILES = (".dockwise.toml", "dockwise.toml")
HADOLINT_FILES = (".hadolint.yaml", ".hadolint.yml")
_KEYS = frozenset(
    {
        "select",
        "extend-select",
        "ignore",
        "fail-on",
        "severity",
        "per-file-ignores",
        "trusted-registries",
        "required-labels",
        "strict-labels",
        "target",
        "min-stop-grace-period",
        "buildkit-check",
        "package-cache",
        "shellcheck-path",
        "multi-stage",
    }
)
TARGETS = ("compose", "swarm")
PACKAGE_CACHE_MODES = ("remove", "mount", "auto")
_SEVERITIES = {severity.value: severity for severity in Severity}


class ConfigError(DockwiseError):
    """A config file that cannot be read or holds something dockwise does not understand."""


class Settings(Record):
    """Everything that decides what is checked and what fails the run."""

    __slots__ = (
        "buildkit_check",
        "exit_zero",
        "extend_select",
        "fail_on",
        "ignore",
        "min_stop_grace_period",
        "package_cache",
        "per_file_ignores",
        "required_labels",
        "runtime_bases",
        "select",
        "severity",
        "shellcheck_path",
        "source",
        "strict_labels",
        "target",
        "trusted_registries",
    )
    select: tuple[Selector, ...]
    ignore: tuple[Selector, ...]
    fail_on: Severity
    exit_zero: bool
    """Never fail the run (hadolint's `failure-threshold: none`, or `--exit-zero`)."""
    severity: Mapping[str, Severity]
    """Severity overrides by selector text (a code, name or peer code)."""
    per_file_ignores: tuple[tuple[str, tuple[Selector, ...]], ...]
    trusted_registries: tuple[str, ...]
    required_labels: tuple[tuple[str, str], ...]
    """Label name and value type (text, url, rfc3339, spdx, hash, semver, email), in config order."""
    strict_labels: bool
    target: str
    """How Compose files are deployed (`docker compose up` or `docker stack deploy`)."""
    min_stop_grace_period: float
    """Seconds; a shorter stop grace period is DW742's finding."""
    buildkit_check: str | None
    """BuildKit's check options given when the build runs (`--build-arg BUILDKIT_DOCKERFILE_CHECK=...`,
    e.g. `skip=JSONArgsRecommended;error=true`): like BuildKit, they replace each file's `# check=`."""
    package_cache: str
    """How the package-cache fixes keep a cache out of the layer: "remove" it in the same RUN (or tell
    the manager not to keep one), "mount" a BuildKit cache on it (faster rebuilds; needs BuildKit), or
    "auto": mount in Dockerfiles that need BuildKit already (`# syntax=`, RUN --mount, heredocs)."""
    source: Path | None
    """The config file these settings came from (None: defaults)."""
    extend_select: tuple[Selector, ...]
    """Rules to run besides the selection (or the defaults): how opt-in rules such as ShellCheck are added."""
    shellcheck_path: str | None
    """The ShellCheck executable DW690 runs (None: the one installed with dockwise, else on PATH)."""
    runtime_bases: tuple[tuple[str, str], ...]
    """`fix --multi-stage`'s runtime base per ecosystem (go, go-cgo, rust, node, python, java), overriding
    the distroless defaults: `[multi-stage.runtime-bases]`."""

    def __init__(
        self,
        select: tuple[Selector, ...] = (),
        ignore: tuple[Selector, ...] = (),
        fail_on: Severity = Severity.STYLE,
        exit_zero: bool = False,
        severity: Mapping[str, Severity] | None = None,
        per_file_ignores: tuple[tuple[str, tuple[Selector, ...]], ...] = (),
        trusted_registries: tuple[str, ...] = (),
        required_labels: tuple[tuple[str, str], ...] = (),
        strict_labels: bool = False,
        target: str = "compose",
        min_stop_grace_period: float = 5.0,
        package_cache: str = "remove",
        source: Path | None = None,
        buildkit_check: str | None = None,
        extend_select: tuple[Selector, ...] = (),
        shellcheck_path: str | None = None,
        runtime_bases: tuple[tuple[str, str], ...] = (),
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "select", select)
        set_field(self, "ignore", ignore)
        set_field(self, "fail_on", fail_on)
        set_field(self, "exit_zero", exit_zero)
        set_field(self, "severity", severity if severity is not None else {})
        set_field(self, "per_file_ignores", per_file_ignores)
        set_field(self, "trusted_registries", trusted_registries)
        set_field(self, "required_labels", required_labels)
        set_field(self, "strict_labels", strict_labels)
        set_field(self, "target", target)
        set_field(self, "min_stop_grace_period", min_stop_grace_period)
        set_field(self, "package_cache", package_cache)
        set_field(self, "source", source)
        set_field(self, "buildkit_check", buildkit_check)
        set_field(self, "extend_select", extend_select)
        set_field(self, "shellcheck_path", shellcheck_path)
        set_field(self, "runtime_bases", runtime_bases)

    @property
    def root(self) -> Path:
        """The directory per-file-ignore globs are relative to."""
        return self.source.parent if self.source is not None else Path.cwd()

    def enabled_by_overrides(self) -> tuple[Selector, ...]:
        """Opt-in rules that a severity override names are turned on (as hadolint's `override` does), and
        those `extend-select` adds (with a selection, `extend-select` joins it: see `merge_command_line`)."""
        return tuple(Selector(text) for text in self.severity) + self.extend_select

    def keeps_code(self, rule: type[Rule], code: str, path: str) -> bool:
        """Whether the selection keeps a finding of another tool's code (`SC2086`) that `rule` reports."""
        from dockwise.suppress import code_selected

        select = self.select or tuple(s for s in self.extend_select if s.names_part_of(rule))
        ignore = self.ignore + (self.ignored_for(path) if self.per_file_ignores else ())
        return code_selected(rule, code, select, ignore)

    def ignored_for(self, path: str) -> tuple[Selector, ...]:
        """The selectors per-file-ignores turn off for one file."""
        try:
            relative = Path(os.path.abspath(path)).relative_to(self.root.resolve()).as_posix()
        except ValueError:
            relative = Path(path).as_posix()
        return tuple(
            selector
            for pattern, selectors in self.per_file_ignores
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern.rstrip("/") + "/*")
            for selector in selectors
        )


def _configs_in(directory: Path) -> tuple[Path | None, Path | None]:
    """The dockwise config and the hadolint config a directory itself holds."""
    dockwise = next((directory / n for n in DOCKWISE_FILES if (directory / n).is_file()), None)
    if dockwise is None:
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "dockwise" in _read_toml(pyproject).get("tool", {}):
            dockwise = pyproject
    hadolint = next((directory / n for n in HADOLINT_FILES if (directory / n).is_file()), None)
    return dockwise, hadolint


def find_config(start: Path) -> Path | None:
    """The nearest dockwise config at or above `start`, else the nearest hadolint config, else None."""
    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    hadolint: Path | None = None
    for candidate in (directory, *directory.parents):
        dockwise, here = _configs_in(candidate)
        if dockwise is not None:
            return dockwise
        hadolint = hadolint or here
    return hadolint


class SettingsByFile:
    """The settings of each checked file: the config nearest to it merged with the command line, or one
    fixed config for every file (`--config`, `--isolated`). Looked up once per directory and loaded once
    per config file, so a tree of thousands of files costs a few `stat`s per directory."""

    def __init__(
        self, command_line: Callable[[Settings], Settings], fixed: Path | bool | None = False
    ) -> None:
        """`fixed`: False to search from each file, None for the defaults, or the config file to use."""
        self._command_line = command_line
        self._fixed = fixed
        self._by_directory: dict[Path, Settings] = {}
        self._by_config: dict[Path | None, Settings] = {}
        self._nearest: dict[Path, tuple[Path | None, Path | None]] = {}
        """Per directory: the nearest dockwise config and the nearest hadolint config at or above it, so
        that an ancestor's files (a repository's pyproject.toml) are read once, not once per directory."""

    def _settings(self, config: Path | None) -> Settings:
        found = self._by_config.get(config)
        if found is None:
            found = self._by_config[config] = self._command_line(load_settings(config))
        return found

    def for_path(self, path: Path) -> Settings:
        """The settings of the file (or directory) `path`."""
        if self._fixed is not False:
            return self._settings(self._fixed if isinstance(self._fixed, Path) else None)
        directory = path if path.is_dir() else path.parent
        found = self._by_directory.get(directory)
        if found is None:
            dockwise, hadolint = self._nearest_configs(directory.resolve())
            found = self._by_directory[directory] = self._settings(dockwise or hadolint)
        return found

    def _nearest_configs(self, directory: Path) -> tuple[Path | None, Path | None]:
        """`find_config`'s walk, remembered for every directory on the way up."""
        pending: list[Path] = []
        current = directory
        while current not in self._nearest:
            pending.append(current)
            if current.parent == current:
                break
            current = current.parent
        for folder in reversed(pending):  # the highest first: each finds its parent's answer
            dockwise, hadolint = _configs_in(folder)
            above = (
                self._nearest.get(folder.parent, (None, None)) if folder.parent != folder else (None, None)
            )
            self._nearest[folder] = (dockwise or above[0], hadolint or above[1])
        return self._nearest[directory]


def load_settings(path: Path | None) -> Settings:
    """Settings from a config file (`None`: the defaults)."""
    if path is None:
        return Settings()
    if path.name in HADOLINT_FILES or path.suffix in (".yaml", ".yml"):
        return _from_hadolint(path, _read_yaml(path))
    document = _read_toml(path)
    table = document.get("tool", {}).get("dockwise", {}) if path.name == "pyproject.toml" else document
    return _from_table(path, table)


def _read_toml(path: Path) -> dict[str, Any]:
    # Imported here: most runs have no config file, and tomllib costs a few ms of start-up.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        with path.open("rb") as handle:
            document: dict[str, Any] = tomllib.load(handle)
            return document
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def _read_yaml(path: Path) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    except YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None


def _strings(path: Path, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ConfigError(f"{path}: {key} must be a string or a list of strings, not {value!r}")


LABEL_TYPES = ("text", "url", "rfc3339", "spdx", "hash", "semver", "email")


def _label_schema(path: Path, key: str, value: object) -> tuple[tuple[str, str], ...]:
    """A list of label names (type text) or a table of name → value type (hadolint's `label-schema`)."""
    if isinstance(value, Mapping):
        schema = []
        for name, kind in value.items():
            if not isinstance(kind, str) or kind.lower() not in LABEL_TYPES:
                choices = ", ".join(LABEL_TYPES)
                raise ConfigError(f"{path}: {key}.{name} must be one of {choices}; not {kind!r}")
            schema.append((str(name), kind.lower()))
        return tuple(schema)
    return tuple((name, "text") for name in _strings(path, key, value))


def _boolean(path: Path, key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"{path}: {key} must be true or false, not {value!r}")


def _severity(path: Path, key: str, value: object) -> Severity:
    if isinstance(value, str) and value.lower() in _SEVERITIES:
        return _SEVERITIES[value.lower()]
    raise ConfigError(f"{path}: {key} must be one of error, warning, info, style; not {value!r}")


def _from_table(path: Path, table: Mapping[str, Any]) -> Settings:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: [tool.dockwise] must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")
    severities = table.get("severity", {})
    per_file = table.get("per-file-ignores", {})
    if not isinstance(severities, Mapping) or not isinstance(per_file, Mapping):
        raise ConfigError(f"{path}: severity and per-file-ignores must be tables")
    select = parse_selectors(_strings(path, "select", table.get("select", [])))
    extend = parse_selectors(_strings(path, "extend-select", table.get("extend-select", [])))
    shellcheck = table.get("shellcheck-path")
    if shellcheck is not None and not isinstance(shellcheck, str):
        raise ConfigError(f"{path}: shellcheck-path must be a string, not {shellcheck!r}")
    return Settings(
        select=select + extend if select else (),
        extend_select=extend,
        shellcheck_path=shellcheck,
        ignore=parse_selectors(_strings(path, "ignore", table.get("ignore", []))),
        fail_on=_severity(path, "fail-on", table.get("fail-on", "style")),
        severity={str(k): _severity(path, f"severity.{k}", v) for k, v in severities.items()},
        per_file_ignores=tuple(
            (str(pattern), parse_selectors(_strings(path, f"per-file-ignores.{pattern}", codes)))
            for pattern, codes in per_file.items()
        ),
        trusted_registries=_strings(path, "trusted-registries", table.get("trusted-registries", [])),
        required_labels=_label_schema(path, "required-labels", table.get("required-labels", [])),
        strict_labels=_boolean(path, "strict-labels", table.get("strict-labels", False)),
        target=_target(path, table.get("target", "compose")),
        min_stop_grace_period=_seconds(path, "min-stop-grace-period", table.get("min-stop-grace-period", 5)),
        package_cache=_package_cache(path, table.get("package-cache", "remove")),
        source=path,
        buildkit_check=_buildkit_check(path, table.get("buildkit-check")),
        runtime_bases=_runtime_bases(path, table.get("multi-stage", {})),
    )


def _runtime_bases(path: Path, value: object) -> tuple[tuple[str, str], ...]:
    """`[multi-stage.runtime-bases]`: an image per ecosystem (see `dockwise.fix.runtime_bases`)."""
    from dockwise.fix.runtime_bases import ECOSYSTEMS

    if not isinstance(value, Mapping) or set(value) - {"runtime-bases"}:
        raise ConfigError(f"{path}: multi-stage must be a table with one key, runtime-bases")
    bases = value.get("runtime-bases", {})
    if not isinstance(bases, Mapping):
        raise ConfigError(f"{path}: multi-stage.runtime-bases must be a table of ecosystem = image")
    pairs = []
    for ecosystem, image in bases.items():
        if ecosystem not in ECOSYSTEMS:
            known = ", ".join(ECOSYSTEMS)
            raise ConfigError(
                f"{path}: multi-stage.runtime-bases: unknown ecosystem {ecosystem!r} (known: {known})"
            )
        if not isinstance(image, str) or not image.strip():
            raise ConfigError(f"{path}: multi-stage.runtime-bases.{ecosystem} must be an image name")
        pairs.append((str(ecosystem), image.strip()))
    return tuple(pairs)


def _buildkit_check(path: Path, value: object) -> str | None:
    from dockwise.suppress import valid_check_options

    if value is None:
        return None
    if isinstance(value, str) and valid_check_options(value.strip()):
        return value.strip()
    raise ConfigError(
        f"{path}: buildkit-check must be BuildKit's check options, such as "
        f"'skip=JSONArgsRecommended;error=true', not {value!r}"
    )


def _seconds(path: Path, key: str, value: object) -> float:
    from dockwise.runspec.units import UnitError, parse_duration

    try:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return parse_duration(value)
    except UnitError:
        pass
    raise ConfigError(f"{path}: {key} must be a duration such as 10s or a number of seconds, not {value!r}")


def _target(path: Path, value: object) -> str:
    if value in TARGETS:
        return str(value)
    raise ConfigError(f"{path}: target must be one of {', '.join(TARGETS)}, not {value!r}")


def _package_cache(path: Path, value: object) -> str:
    if value in PACKAGE_CACHE_MODES:
        return str(value)
    choices = ", ".join(PACKAGE_CACHE_MODES)
    raise ConfigError(f"{path}: package-cache must be one of {choices}, not {value!r}")


def _from_hadolint(path: Path, document: Any) -> Settings:
    """Translate a `.hadolint.yaml`: the keys dockwise can honour (the rest are hadolint's output options)."""
    if not isinstance(document, Mapping):
        raise ConfigError(f"{path}: a hadolint config must be a mapping")
    overrides = document.get("override") or {}
    if not isinstance(overrides, Mapping):
        raise ConfigError(f"{path}: override must map error/warning/info/style to lists of rules")
    severity: dict[str, Severity] = {}
    for level, codes in overrides.items():
        for code in _strings(path, f"override.{level}", codes or []):
            severity[code] = _severity(path, "override", level)
    threshold = str(document.get("failure-threshold", "info")).lower()
    never_fail = threshold in ("none", "ignore")
    return Settings(
        # hadolint runs ShellCheck on every RUN: a project moving from it keeps those findings
        extend_select=(Selector("SC"),),
        ignore=parse_selectors(_strings(path, "ignored", document.get("ignored") or [])),
        fail_on=Severity.STYLE if never_fail else _severity(path, "failure-threshold", threshold),
        exit_zero=never_fail,
        severity=severity,
        trusted_registries=_strings(path, "trustedRegistries", document.get("trustedRegistries") or []),
        required_labels=_label_schema(path, "label-schema", document.get("label-schema") or {}),
        strict_labels=_boolean(path, "strict-labels", document.get("strict-labels", False)),
        source=path,
    )


def merge_command_line(
    settings: Settings,
    select: Sequence[Selector],
    ignore: Sequence[Selector],
    fail_on: str | None,
    exit_zero: bool,
    extend_select: Sequence[Selector] = (),
) -> Settings:
    """Flags win over the file: `--select` replaces the file's selection (its `extend-select` included),
    `--ignore` and `--extend-select` add to its lists."""
    extend = (() if select else settings.extend_select) + tuple(extend_select)
    chosen = tuple(select) or settings.select
    return settings.replace(
        select=chosen + tuple(extend_select) if chosen else (),
        extend_select=extend,
        ignore=settings.ignore + tuple(ignore),
        fail_on=_SEVERITIES[fail_on] if fail_on else settings.fail_on,
        exit_zero=exit_zero or settings.exit_zero,
    )


def apply_settings(diagnostics: Sequence[Diagnostic], path: str, settings: Settings) -> list[Diagnostic]:
    """Drop what per-file-ignores turn off for `path`, and apply severity overrides."""
    from dockwise.rules import rule_by_code

    ignored = settings.ignored_for(path) if settings.per_file_ignores else ()
    overrides = [(Selector(text), severity) for text, severity in settings.severity.items()]
    kept = []
    for diagnostic in diagnostics:
        code = diagnostic.code
        rule = rule_by_code(code)
        if rule is None:
            kept.append(diagnostic)
            continue
        if rule.subcode_prefix and not settings.keeps_code(rule, code, path):
            continue
        if any(selector.matches_code(rule, code) for selector in ignored):
            continue
        severity = next((s for selector, s in overrides if selector.matches_code(rule, code)), None)
        kept.append(diagnostic.replace(severity=severity) if severity else diagnostic)
    return kept
