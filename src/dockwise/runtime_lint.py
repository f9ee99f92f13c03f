"""Lint runtime configuration: Compose files and shell scripts with `docker run` lines, through RunSpecs.

Each Compose file is loaded on its own (with the `.env` beside it) and every service is checked by the
runtime rules; a shell script contributes one RunSpec per `docker run` line. Results are `FileResult`s
like a Dockerfile's, so every reporter shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dockwise.config import Settings, apply_settings
from dockwise.diagnostics import Diagnostic, TextRange
from dockwise.lint import FileResult, read_source
from dockwise.rules.runtime._base import RunSpecContext, RunSpecRule
from dockwise.runspec.model import RunSpec
from dockwise.suppress import Selector, is_selected


def runtime_rules(
    select: Sequence[Selector] = (), ignore: Sequence[Selector] = (), enable: Sequence[Selector] = ()
) -> list[RunSpecRule]:
    from dockwise.rules import all_rules

    return [
        rule()
        for rule in all_rules()
        if issubclass(rule, RunSpecRule) and is_selected(rule, select, ignore, enable)
    ]


def is_script(path: Path) -> bool:
    return path.suffix in (".sh", ".bash")


def lint_runtime_file(
    path: Path, rules: Sequence[RunSpecRule], settings: Settings, target: str = "compose"
) -> FileResult:
    """Lint a Compose file or (by its `.sh` suffix) a shell script."""
    from dockwise.dockerfile.shell import script_commands
    from dockwise.runspec.compose import ComposeError, load_compose
    from dockwise.runspec.docker_run import DockerRunError, is_docker_run, runspec_of

    display = str(path)
    try:
        text = read_source(path)
    except UnicodeDecodeError as error:
        return FileResult(display, None, error=f"cannot decode as UTF-8 (byte {error.start})")
    except OSError as error:
        return FileResult(display, None, error=f"cannot read: {error.strerror or error}")
    diagnostics: list[Diagnostic] = []
    specs: list[RunSpec] = []
    networks: tuple[str, ...] = ()
    embedded = _embedded_scripts(path, text)
    if embedded is not None:
        for command in script_commands(embedded):
            if not is_docker_run(command):
                continue
            try:
                specs.append(runspec_of(command, display))
            except DockerRunError as error:
                diagnostics.append(_invalid(display, command.range, f"docker run: {error}"))
    else:
        try:
            project = load_compose([path])
        except ComposeError as error:
            message = str(error).removeprefix(f"{path}: ")
            return FileResult(display, text, (_invalid(display, _where(text, message), message),))
        specs = list(project.services.values())
        networks = project.networks
        for problem in project.schema_problems:
            message = f"{problem.yaml_path}: {problem.message} (Compose schema)"
            diagnostics.append(_invalid(display, problem.range, message))
    services = {spec.name: spec for spec in specs}
    for spec in specs:
        context = RunSpecContext(spec, services, networks, target, text)
        for rule in rules:
            diagnostics.extend(rule.check(context))
    diagnostics.sort(key=lambda d: (getattr(d.location, "range", TextRange(0, 0)).start, d.code))
    return FileResult(display, text, tuple(apply_settings(diagnostics, display, settings)))


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


def _invalid(path: str, where: TextRange, message: str) -> Diagnostic:
    """A file dockwise cannot read as runtime configuration (DW700, like DW001 for Dockerfiles)."""
    from dockwise.rules._base import make_diagnostic
    from dockwise.rules.runtime.config import InvalidRuntimeConfig

    return make_diagnostic(InvalidRuntimeConfig, path, where, message)
