"""Lint runtime configuration: Compose files and shell scripts with `docker run` lines, through RunSpecs.

A Compose file is loaded with the `.env` beside it, and merged with the files Compose would merge it
with (see `runtime_families`: an overlay is never linted alone); every service is checked by the runtime
rules. A shell script, a Makefile or a CI file contributes one RunSpec per `docker run` line. Results are
`FileResult`s like a Dockerfile's, so every reporter shows them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from dockwise.config import Settings, apply_settings
from dockwise.diagnostics import Diagnostic, TextRange
from dockwise.lint import FileResult, read_or_error, read_source
from dockwise.rules.runtime._base import RunSpecContext, RunSpecRule
from dockwise.runspec.model import RunSpec
from dockwise.runspec.yaml_limits import YamlLimitError
from dockwise.suppress import Selector, is_selected


def runtime_rules(
    select: Sequence[Selector] = (), ignore: Sequence[Selector] = (), enable: Sequence[Selector] = ()
) -> list[RunSpecRule]:
    from dockwise.rules import load_family

    return [
        rule()
        for rule in load_family("runtime")
        if issubclass(rule, RunSpecRule) and is_selected(rule, select, ignore, enable)
    ]


MAX_SCRIPT_CHARACTERS = 64 * 1024
"""The most script (characters other than spaces) read for `docker run` lines: the same 64 KB that
BuildKit allows a Dockerfile line, and so a RUN script. The shell parser (tree-sitter and the command
walker) takes up to 3 KB a character for the worst shapes (`a|a|a|...`: 128 K reached 210 MB, 64 K stays
near 100 MB). Spaces are not counted, as the shadow of a Makefile or CI file is mostly spaces. A script
that names no container engine is not parsed at all."""


def is_script(path: Path) -> bool:
    return path.suffix in (".sh", ".bash")


#: The files `docker compose` loads when none is named, in its order of preference (compose-go's
#: `DefaultFileNames` and `DefaultOverrideFileNames`): the first base found, and the first override.
BASE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_NAMES = (
    "compose.override.yml", "compose.override.yaml",
    "docker-compose.override.yml", "docker-compose.override.yaml",
)  # fmt: skip
_OVERLAY = re.compile(r"(?:docker-)?compose\.[\w.-]+\.ya?ml")

Project = tuple[Path, ...]
"""Compose files merged in order, as `docker compose -f a -f b` loads them (or one other file)."""
Family = tuple[Project, ...]
"""The projects that share a base file, the one `docker compose` loads by default first."""


def runtime_families(files: Sequence[Path]) -> list[Family]:
    """The projects to lint, grouped by the base they share, in file order.

    In a directory, the default project is what `docker compose up` loads there: the files `COMPOSE_FILE`
    names in the directory's `.env` (split on `COMPOSE_PATH_SEPARATOR`, else the system's path separator),
    else the first base file with the first override file. Every other `compose.<name>.yaml` or
    `docker-compose.<name>.yml` (an override file the default project does not load too) is an overlay,
    loaded as `docker compose -f <base> -f <overlay>` would (never alone); a second base file
    (`docker-compose.yml` beside `compose.yaml`) is a project of its own, and so is an overlay with no
    base beside it. Scripts and other files are linted alone.
    """
    families: list[Family] = []
    by_directory: dict[Path, list[Path]] = {}
    for path in files:
        if _OVERLAY.fullmatch(path.name) or path.name in BASE_NAMES:
            if path.parent not in by_directory:
                families.append(())  # its place in file order, filled below
                by_directory[path.parent] = []
            by_directory[path.parent].append(path)
        else:
            families.append(((path,),))
    directories = iter(by_directory.items())
    result: list[Family] = []
    for family in families:
        if family:
            result.append(family)
            continue
        directory, found = next(directories)
        result.extend(_directory_families(directory, found))
    return result


def _directory_families(directory: Path, found: list[Path]) -> list[Family]:
    default = _compose_file_setting(directory)
    if default is None:
        base = next((directory / name for name in BASE_NAMES if (directory / name).is_file()), None)
        override = next((directory / name for name in OVERRIDE_NAMES if (directory / name).is_file()), None)
        default = tuple(path for path in (base, override) if path is not None)
    if not default:  # overlays with no base to merge into: each is what Compose would load with -f alone
        return [((path,),) for path in found]
    projects: list[Project] = [default]
    alone: list[Family] = []
    members = {path.resolve() for path in default}
    for path in found:
        if path.resolve() in members:
            continue
        if path.name in BASE_NAMES:
            alone.append(((path,),))  # a second base: a whole project of its own
        else:
            projects.append((default[0], path))
    return [tuple(projects), *alone]


def _compose_file_setting(directory: Path) -> Project | None:
    """The files `COMPOSE_FILE` in the directory's `.env` names, when it names files that exist."""
    import os

    dotenv = directory / ".env"
    if not dotenv.is_file():
        return None
    from dockwise.runspec.interpolation import read_env_file

    try:
        env = read_env_file(dotenv)
    except (OSError, UnicodeDecodeError, ValueError):
        return None  # reported when the project loads
    if not env.get("COMPOSE_FILE"):
        return None
    separator = env.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
    paths = tuple(directory / item for item in env["COMPOSE_FILE"].split(separator) if item.strip())
    return paths if paths and all(path.is_file() for path in paths) else None


def runtime_groups(files: Sequence[Path]) -> list[Project]:
    """Every project of `runtime_families`, one after the other."""
    return [project for family in runtime_families(files) for project in family]


def lint_runtime_family(
    family: Family, rules: Sequence[RunSpecRule], settings: Settings, target: str = "compose"
) -> list[FileResult]:
    """Lint every project of a family (an overlay that stands alone as a project of its own), and report
    each finding once, at the file that sets (or should set) the field: a finding of `base + overlay`
    that the base alone has too is the base's (its message and code are the same), whatever the
    overlay's position says; a finding only the merge has, outside the overlay itself, says with which
    files it appears. One FileResult per file."""
    alone = [project[1:] for project in family[1:] if _stands_alone(project)]
    found = [r for project in alone for r in lint_runtime_group(project, rules, settings, target)]
    merged = tuple(project for project in family if project[1:] not in alone)
    return found + _lint_merged(merged, rules, settings, target)


def _lint_merged(
    family: Family, rules: Sequence[RunSpecRule], settings: Settings, target: str
) -> list[FileResult]:
    if len(family) == 1 and len(family[0]) == 1:
        return lint_runtime_group(family[0], rules, settings, target)
    reference_project = family[0][:1]
    reference: dict[tuple[str, str], Diagnostic] = {}
    if reference_project not in family:
        for result in lint_runtime_group(reference_project, rules, settings, target):
            for diagnostic in result.diagnostics:
                reference.setdefault((diagnostic.code, diagnostic.message), diagnostic)
    else:
        family = (reference_project, *(project for project in family if project != reference_project))
    seen: set[tuple[str, str, int, int, str]] = set()
    at: set[tuple[str, str, int, int]] = set()
    """Where earlier projects reported each code: a finding of the same code at the same place outside
    the overlays is the same finding told with another project's figures (`all 21 services ...`)."""
    found: dict[str, list[Diagnostic]] = {}
    texts: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for project in family:
        overlays = {str(path) for path in project[1:]}
        here: set[tuple[str, str, int, int]] = set()
        for result in lint_runtime_group(project, rules, settings, target):
            texts.setdefault(result.path, result.text)
            found.setdefault(result.path, [])
            if result.error:
                errors.setdefault(result.path, result.error)
            for each in result.diagnostics:
                diagnostic = each
                if project == reference_project:
                    reference.setdefault((diagnostic.code, diagnostic.message), diagnostic)
                else:
                    diagnostic = _attributed(diagnostic, result.path in overlays, reference, project)
                path = getattr(diagnostic.location, "path", result.path)
                span = getattr(diagnostic.location, "range", TextRange(0, 0))
                key = (path, diagnostic.code, span.start, span.end, diagnostic.message)
                if key in seen or (path not in overlays and key[:4] in at):
                    continue
                seen.add(key)
                here.add(key[:4])
                found.setdefault(path, []).append(diagnostic)
        at |= here
    results = []
    for path, diagnostics in found.items():
        diagnostics.sort(key=lambda d: (getattr(d.location, "range", TextRange(0, 0)).start, d.code))
        results.append(FileResult(path, texts.get(path), tuple(diagnostics), errors.get(path)))
    return results


def _stands_alone(project: Project) -> bool:
    """Whether the overlay of `(base, overlay)` is a whole project of its own, which `docker compose -f
    overlay` runs without the base (`compose.armv7.yaml`, `docker-compose.images.yml`): every service has
    an image, a build or an `extends`, and needs no service the file does not define. Merged over the base,
    such a file would make findings up and hide others; an overlay that patches a service, or uses
    `!reset`/`!override`, is merged. An override file (Compose merges it by default) never stands alone."""
    if len(project) != 2 or project[1].name in OVERRIDE_NAMES:
        return False
    import yaml

    try:
        text = read_source(project[1])
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False  # `!reset` and `!override` are overlay tags; a broken file is reported merged
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, dict) or not services:
        return False
    for service in services.values():
        if not isinstance(service, dict) or not any(key in service for key in ("image", "build", "extends")):
            return False
        if any(name not in services for name in _services_needed(service)):
            return False
    return True


def _services_needed(service: dict[str, object]) -> list[str]:
    """The services a service refers to: depends_on, links, `network_mode: service:x`, volumes_from."""
    needed: list[str] = []
    depends = service.get("depends_on")
    if isinstance(depends, list | dict):
        needed.extend(str(name) for name in depends)
    for key in ("links", "volumes_from"):
        items = service.get(key)
        if isinstance(items, list):
            needed.extend(str(item).split(":")[0] for item in items if not str(item).startswith("container:"))
    mode = service.get("network_mode")
    if isinstance(mode, str) and mode.startswith("service:"):
        needed.append(mode.removeprefix("service:"))
    return needed


def _attributed(
    diagnostic: Diagnostic, in_overlay: bool, reference: dict[tuple[str, str], Diagnostic], project: Project
) -> Diagnostic:
    """The base's own finding when the base alone has it; else the finding, with the files it needs
    when it points outside the overlays."""
    same = reference.get((diagnostic.code, diagnostic.message))
    if same is not None:
        return same
    if in_overlay:
        return diagnostic
    command = " ".join(f"-f {path.name}" for path in project)
    note = f"only with {', '.join(path.name for path in project[1:])} (docker compose {command})"
    return diagnostic.replace(notes=(*diagnostic.notes, note))


def lint_runtime_group(
    group: tuple[Path, ...], rules: Sequence[RunSpecRule], settings: Settings, target: str = "compose"
) -> list[FileResult]:
    """Lint a Compose project (one file, or a file and its override), or a file with `docker run` lines
    (a shell script, a Makefile, a CI file): one FileResult per file."""
    from dockwise.runspec.compose import ComposeError, load_compose

    texts: dict[str, str] = {}
    for path in group:
        script = len(group) == 1 and _is_script_like(path)
        too_large = _too_large(path, script)
        if too_large is not None:
            if script and not _names_a_container_engine(path):
                return [FileResult(str(path), None)]  # a big script that runs no container: nothing to read
            return [FileResult(str(path), None, error=too_large)]
        text, unreadable = read_or_error(path)
        if text is None:
            return [FileResult(str(path), None, error=unreadable)]
        texts[str(path)] = text
    first = str(group[0])
    try:
        embedded = _embedded_scripts(group[0], texts[first]) if len(group) == 1 else None
    except YamlLimitError as error:
        message = f"{error.message} at line {error.line}, column {error.column}"
        return _results(group, texts, [_invalid(first, _where(texts[first], message), message)], settings)
    if embedded is not None:
        jobs = _job_regions(group[0], texts[first])
        found = lint_script_text(embedded, first, rules, target, settings.min_stop_grace_period, jobs)
        return _results(group, texts, found, settings)
    diagnostics: list[Diagnostic] = []
    try:
        project = load_compose(list(group))
    except ComposeError as error:
        culprit = next((p for p in texts if str(error).startswith(f"{p}: ")), first)
        message = str(error).removeprefix(f"{culprit}: ")
        diagnostics.append(_invalid(culprit, _where(texts[culprit], message), message))
        return _results(group, texts, diagnostics, settings)
    specs = list(project.services.values())
    networks = project.networks
    others = {spec.path for spec in specs} | {f for spec in specs for f in spec.files.values()}
    for other in others | {problem.path for problem in project.schema_problems}:
        if other not in texts:  # a file `include` or `extends` names: findings may point into it
            text, _ = read_or_error(Path(other))
            if text is not None:
                texts[other] = text
    for problem in project.schema_problems:
        message = f"{problem.yaml_path}: {problem.message} (Compose schema)"
        diagnostics.append(_invalid(problem.path, problem.range, message))
    services = {spec.name: spec for spec in specs}
    declared = None if not project.complete or _overlay_alone(group) else dict(project.declared)
    for spec in specs:
        diagnostics.extend(_invalid_values(spec, texts[spec.path]))
        context = RunSpecContext(
            spec,
            services,
            networks,
            target,
            texts[spec.path],
            min_stop_grace_period=settings.min_stop_grace_period,
            texts=texts,
            declared=declared,
            dotenv=project.dotenv,
        )
        for rule in rules:
            diagnostics.extend(rule.run(context))
    return _results(group, texts, diagnostics, settings)


_OVERLAY_NAME = re.compile(r"(?:docker-)?compose\.[^.]+\.ya?ml")


def _overlay_alone(group: tuple[Path, ...]) -> bool:
    """An overlay (`compose.<x>.yaml`) read without its base: what it uses may be declared there."""
    return len(group) == 1 and _OVERLAY_NAME.fullmatch(group[0].name) is not None


def lint_script_text(
    script: str,
    path: str,
    rules: Sequence[RunSpecRule],
    target: str = "compose",
    min_stop_grace_period: float = 5.0,
    jobs: Sequence[tuple[int, int, str]] = (),
) -> list[Diagnostic]:
    """The runtime findings of the `docker run` lines of a script (or a same-length shadow of a file);
    a line inside one of the `jobs` regions (start, end, reason) is a job whatever its flags."""
    from dockwise.dockerfile.shell import script_commands
    from dockwise.runspec.docker_run import DockerRunError, is_docker_run, runspec_of

    if "docker" not in script and "podman" not in script:
        return []  # no command can be a `docker run` (the shell parser is the costly part)
    if len(script) - script.count(" ") > MAX_SCRIPT_CHARACTERS:
        message = (
            f"more than {MAX_SCRIPT_CHARACTERS} characters of shell: too large to read its docker run lines"
        )
        return [_invalid(path, TextRange(0, 0), message)]
    commands = script_commands(script)  # nesting past the walker's depth is left out, not an error
    diagnostics: list[Diagnostic] = []
    for command in commands:
        if not is_docker_run(command):
            continue
        try:
            spec = runspec_of(command, path)
        except DockerRunError as error:
            diagnostics.append(_invalid(path, command.range, f"docker run: {error}"))
            continue
        reason = next((why for start, end, why in jobs if start <= command.range.start < end), "")
        if reason and spec.workload != "job":
            spec = replace(spec, workload="job", workload_reason=reason)
        diagnostics.extend(_invalid_values(spec, script))
        context = RunSpecContext(
            spec, {spec.name: spec}, (), target, script, min_stop_grace_period=min_stop_grace_period
        )
        for rule in rules:
            diagnostics.extend(rule.run(context))
    return diagnostics


def lint_runtime_file(
    path: Path, rules: Sequence[RunSpecRule], settings: Settings, target: str = "compose"
) -> FileResult:
    """Lint one Compose file or file with `docker run` lines."""
    return lint_runtime_group((path,), rules, settings, target)[0]


def _results(
    group: tuple[Path, ...], texts: dict[str, str], diagnostics: list[Diagnostic], settings: Settings
) -> list[FileResult]:
    by_file: dict[str, list[Diagnostic]] = {str(path): [] for path in group}
    for diagnostic in diagnostics:
        by_file.setdefault(getattr(diagnostic.location, "path", str(group[0])), []).append(diagnostic)
    results = []
    for path, found in by_file.items():
        found.sort(key=lambda d: (getattr(d.location, "range", TextRange(0, 0)).start, d.code))
        results.append(FileResult(path, texts.get(path), tuple(apply_settings(found, path, settings))))
    return results


def _is_script_like(path: Path) -> bool:
    """A file read for its `docker run` lines rather than as a Compose file."""
    from dockwise.runspec.embedded import is_ci_file, is_makefile

    return is_script(path) or is_makefile(path.name) or is_ci_file(path)


def _too_large(path: Path, script: bool) -> str | None:
    """Why a file is not read at all: over the size limit of a Compose file, which scripts share (checked
    before reading, so that a huge file never reaches memory)."""
    from dockwise.runspec.compose import MAX_FILE_BYTES
    from dockwise.sources import unsaved_text

    if unsaved_text(path) is not None:
        return None  # an editor's buffer: read_source caps it
    try:
        size = path.stat().st_size
    except OSError:
        return None  # read_or_error says why
    if size <= MAX_FILE_BYTES:
        return None
    kind = "a file of docker run lines" if script else "a Compose file"
    return f"{size} bytes is too large for {kind} (the limit is {MAX_FILE_BYTES})"


def _names_a_container_engine(path: Path) -> bool:
    """Whether `docker` or `podman` appears in the file, read in chunks (it may be a 1 GB installer)."""
    words = (b"docker", b"podman")
    tail = b""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                window = tail + chunk
                if any(word in window for word in words):
                    return True
                tail = window[-5:]
    except OSError:
        return True  # then the file is refused with the reason
    return False


def _embedded_scripts(path: Path, text: str) -> str | None:
    """The shell a file runs, as a same-length shadow of its text (None for a Compose file)."""
    from dockwise.runspec.embedded import ci_shadow, is_ci_file, is_makefile, makefile_shadow

    if is_script(path):
        return text
    if is_makefile(path.name):
        return makefile_shadow(text)
    if is_ci_file(path):
        return ci_shadow(text)
    return None


def _job_regions(path: Path, text: str) -> list[tuple[int, int, str]]:
    """Where a file's `docker run` lines are jobs (see `runspec.workload`): all of a CI file or of a
    test or build script, or the recipes of a Makefile's test, build and lint targets."""
    from dockwise.runspec.embedded import is_makefile, makefile_job_regions
    from dockwise.runspec.workload import job_script_reason

    reason = job_script_reason(path)
    if reason:
        return [(0, len(text), reason)]
    if is_makefile(path.name):
        return [(start, end, "a test, build or lint target") for start, end in makefile_job_regions(text)]
    return []


def _where(text: str, message: str) -> TextRange:
    """The line a loader's message names ("at line 4, column 5"), else the start of the file."""
    import re

    found = re.search(r"at line (\d+), column (\d+)", message)
    if found is None:
        return TextRange(0, 0)
    lines = text.splitlines(keepends=True)
    line = min(int(found.group(1)), len(lines)) - 1
    start = sum(len(each) for each in lines[:line]) + int(found.group(2)) - 1
    return TextRange(start, start + len(lines[line].rstrip("\r\n")) - int(found.group(2)) + 1)


def _invalid_values(spec: RunSpec, text: str) -> list[Diagnostic]:
    """DW700 at every value the loader could not read (the spec's other settings are still checked)."""
    from dockwise.rules.runtime._base import subject_of

    prefix = "docker run: " if spec.origin == "docker run" else ""
    subject = subject_of(spec, text)
    return [
        _invalid(
            spec.file_of(bad.field), bad.range or spec.location(bad.field), prefix + bad.message, subject
        )
        for bad in spec.invalid
    ]


def _invalid(path: str, where: TextRange, message: str, subject: str | None = None) -> Diagnostic:
    """A file dockwise cannot read as runtime configuration (DW700, like DW001 for Dockerfiles)."""
    from dockwise.rules._base import make_diagnostic
    from dockwise.rules.runtime.config import InvalidRuntimeConfig

    return make_diagnostic(InvalidRuntimeConfig, path, where, message, subject=subject)
