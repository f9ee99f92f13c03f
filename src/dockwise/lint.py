"""Lint Dockerfiles: read, parse, run the selected rules, and collect the diagnostics per file.

The CLI and the library share this path. A file that cannot be read or decoded becomes a `FileResult`
with an `error` (the other files are still linted); a file that does not parse yields one `invalid-syntax`
diagnostic and no rule runs on it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from dockwise.config import Settings, SettingsByFile, apply_settings
from dockwise.diagnostics import Diagnostic, Severity
from dockwise.dockerfile import Dockerfile, parse
from dockwise.errors import DockerfileSyntaxError
from dockwise.limits import MAX_SOURCE_BYTES
from dockwise.record import Record
from dockwise.rules import DockerfileContext, DockerfileRule, RuleOptions, load_family
from dockwise.rules.dockerfile.syntax import InvalidSyntax
from dockwise.suppress import Selector, filter_diagnostics, is_selected

if TYPE_CHECKING:
    from dockwise.rules.runtime._base import RunSpecRule


class FileResult(Record):
    """The outcome for one file: its diagnostics, or why it could not be read."""

    __slots__ = ("diagnostics", "error", "path", "text")
    path: str
    text: str | None
    diagnostics: tuple[Diagnostic, ...]
    error: str | None

    def __init__(
        self,
        path: str,
        text: str | None,
        diagnostics: tuple[Diagnostic, ...] = (),
        error: str | None = None,
    ) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "diagnostics", diagnostics)
        object.__setattr__(self, "error", error)


class LintReport(Record):
    """All files linted in one run, plus paths that could not be searched and what the search left out
    (reason, count: see `dockwise.discovery.Discovery.skipped`), and which of the files were read as
    Dockerfiles (the rest are Compose files and scripts), so no caller has to search the paths again."""

    __slots__ = ("dockerfiles", "files", "problems", "skipped")
    files: tuple[FileResult, ...]
    problems: tuple[str, ...]
    skipped: tuple[tuple[str, int], ...]
    dockerfiles: frozenset[str]

    def __init__(
        self,
        files: tuple[FileResult, ...],
        problems: tuple[str, ...] = (),
        skipped: tuple[tuple[str, int], ...] = (),
        dockerfiles: frozenset[str] = frozenset(),
    ) -> None:
        object.__setattr__(self, "files", files)
        object.__setattr__(self, "problems", problems)
        object.__setattr__(self, "skipped", skipped)
        object.__setattr__(self, "dockerfiles", dockerfiles)

    @property
    def skipped_text(self) -> str | None:
        """One line that says what the search left out and why, or None when it left out nothing."""
        if not self.skipped:
            return None
        parts = []
        for reason, count in self.skipped:
            kind, _, why = reason.partition(" ")
            if count == 1:
                kind = {"files": "file", "directories": "directory"}.get(kind, kind)
            parts.append(f"{count} {kind} {why}")
        return f"Skipped {', '.join(parts)} (give a path by name to check it)."

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(d for result in self.files for d in result.diagnostics)

    @property
    def has_errors(self) -> bool:
        """True when a path or file could not be read (exit status 2)."""
        return bool(self.problems) or any(result.error for result in self.files)

    def count_at_or_above(self, threshold: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity.rank >= threshold.rank)


def dockerfile_rules(
    select: Sequence[Selector] = (), ignore: Sequence[Selector] = (), enable: Sequence[Selector] = ()
) -> list[DockerfileRule]:
    """One instance of every selected Dockerfile rule (the default ones when nothing is selected)."""
    return [
        rule()
        for rule in load_family("dockerfile")
        if issubclass(rule, DockerfileRule) and is_selected(rule, select, ignore, enable)
    ]


def rule_options(settings: Settings, context_dir: Path | None = None) -> RuleOptions:
    """The settings that rules read themselves."""
    return RuleOptions(
        trusted_registries=settings.trusted_registries,
        required_labels=settings.required_labels,
        strict_labels=settings.strict_labels,
        context_dir=context_dir,
        buildkit_check=settings.buildkit_check,
        package_cache=settings.package_cache,
        shellcheck_path=settings.shellcheck_path,
        runtime_bases=settings.runtime_bases,
    )


def lint_text_with(
    text: str,
    path: str,
    rules: Sequence[DockerfileRule],
    settings: Settings,
    context_dir: Path | None = None,
) -> list[Diagnostic]:
    """`lint_text` with the settings' rule options, then their per-file ignores and severity overrides."""
    options = rule_options(settings, context_dir)
    return apply_settings(lint_text(text, path, rules, options), path, settings)


def lint_text(
    text: str,
    path: str = "Dockerfile",
    rules: Sequence[DockerfileRule] | None = None,
    options: RuleOptions | None = None,
) -> list[Diagnostic]:
    """Lint Dockerfile text; the diagnostics come sorted by position."""
    rules = rules if rules is not None else dockerfile_rules()
    context = _context(text, path, options)
    if isinstance(context, Diagnostic):
        return [context]
    _prepare(rules, [context])
    return _check(context, rules)


def _context(text: str, path: str, options: RuleOptions | None) -> DockerfileContext | Diagnostic:
    """The file parsed for the rules, or the syntax error that stops them."""
    try:
        dockerfile = parse(text, path)
    except DockerfileSyntaxError as error:
        return InvalidSyntax.from_error(path, text, error)
    return DockerfileContext(path, dockerfile, options or RuleOptions())


def _prepare(rules: Sequence[DockerfileRule], contexts: Sequence[DockerfileContext]) -> None:
    """Let the rules that work ahead (ShellCheck's process) start on all these files."""
    if contexts:
        for rule in rules:
            if rule.prepares:
                rule.prepare(contexts)


def _check(context: DockerfileContext, rules: Sequence[DockerfileRule]) -> list[Diagnostic]:
    """Run the rules on one parsed file (and on its ONBUILD triggers), then its pragmas."""
    dockerfile, path, options = context.dockerfile, context.path, context.options
    diagnostics: list[Diagnostic] = []
    fragment = _is_named_fragment(dockerfile, path)
    for rule in rules:
        if rule.checks_fragments or not fragment:
            diagnostics.extend(rule.check(context))
    if dockerfile.triggers:
        diagnostics.extend(_trigger_diagnostics(dockerfile, path, rules, options, diagnostics))
    found = sorted(filter_diagnostics(diagnostics, dockerfile, options.buildkit_check), key=_sort_key)
    if found and fragment:
        found[0] = found[0].replace(notes=(*found[0].notes, FRAGMENT_NOTE))
    dockerfile.forget_build()
    return found


def _is_named_fragment(dockerfile: Dockerfile, path: str) -> bool:
    """A file without FROM whose name says it is a template or partial: said once, in a note, not DW002."""
    from dockwise.dockerfile.build import is_fragment

    if not is_fragment(dockerfile):
        return False
    from dockwise.discovery import is_whole_dockerfile_name

    return not is_whole_dockerfile_name(path)


FRAGMENT_NOTE = (
    "this file has no FROM: it is linted as the body of a stage whose base is unknown (a file named as a "
    "whole Dockerfile would be DW002)"
)


def _trigger_diagnostics(
    dockerfile: Dockerfile,
    path: str,
    rules: Sequence[DockerfileRule],
    options: RuleOptions,
    found: Sequence[Diagnostic],
) -> list[Diagnostic]:
    """The findings inside ONBUILD triggers, each linted as the instruction it becomes in a child build.

    `ONBUILD RUN apt-get install curl` breaks every image built FROM this one, yet the build of this image
    never runs it. A fix is kept only when all its edits stay inside the trigger (one that adds a line
    before the instruction would split the ONBUILD line).
    """
    triggers = sorted((t.range.start, t.range.end) for t in dockerfile.triggers)
    starts = [start for start, _ in triggers]
    child = dockerfile.as_child_build()
    context = DockerfileContext(path, child, options)
    seen = {(d.code, getattr(d.location, "range", None)) for d in found}
    kept: list[Diagnostic] = []
    fragment = _is_named_fragment(dockerfile, path)
    for rule in rules:
        if not rule.checks_triggers or (fragment and not rule.checks_fragments):
            continue
        for diagnostic in rule.check(context):
            span = getattr(diagnostic.location, "range", None)
            if span is None or (diagnostic.code, span) in seen:
                continue
            position = bisect_right(starts, span.start) - 1
            if position < 0 or span.end > triggers[position][1]:
                continue
            start, end = triggers[position]
            fix = diagnostic.fix
            if fix is not None and not all(start <= e.range.start and e.range.end <= end for e in fix.edits):
                kept.append(diagnostic.replace(fix=None))
            else:
                kept.append(diagnostic)
    child.forget_build()
    return kept


def _sort_key(diagnostic: Diagnostic) -> tuple[int, str]:
    location = diagnostic.location
    start = getattr(getattr(location, "range", None), "start", 0)
    return start, diagnostic.code


def _decode_error(error: UnicodeDecodeError) -> str:
    return f"cannot decode as UTF-8 (byte {error.start}): {error.reason}"


class SourceTooLarge(OSError):
    """A file over `MAX_SOURCE_BYTES`."""


def read_source(path: Path) -> str:
    """A file's text, exactly as stored; `OSError` (`SourceTooLarge` past the cap, and for anything that
    is not a regular file, which could block or never end) and `UnicodeDecodeError` go to the caller."""
    import stat

    from dockwise.sources import unsaved_text

    buffer = unsaved_text(path)
    if buffer is not None:  # an editor's unsaved text (the language server), capped like a file
        if len(buffer) > MAX_SOURCE_BYTES:
            raise SourceTooLarge(f"over the {MAX_SOURCE_BYTES >> 20} MiB dockwise reads from one file")
        return buffer
    status = path.stat()
    if not stat.S_ISREG(status.st_mode):  # checked before opening: opening a FIFO blocks
        raise OSError("not a regular file")
    with path.open("rb") as handle:
        data = handle.read(MAX_SOURCE_BYTES + 1)
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceTooLarge(
            f"{status.st_size:,} bytes, over the {MAX_SOURCE_BYTES >> 20} MiB dockwise reads from one file"
        )
    return data.decode("utf-8")


def read_or_error(path: Path) -> tuple[str, None] | tuple[None, str]:
    """`(text, None)`, or `(None, why)` when the file cannot be read or decoded: what every command
    reports for such a file before going on with the others."""
    try:
        return read_source(path), None
    except UnicodeDecodeError as error:
        return None, _decode_error(error)
    except SourceTooLarge as error:
        return None, f"too large: {error}"
    except OSError as error:
        return None, f"cannot read: {error.strerror or error}"


def lint_file(path: Path, rules: Sequence[DockerfileRule], settings: Settings) -> FileResult:
    display = str(path)
    text, problem = read_or_error(path)
    if text is None:
        return FileResult(display, None, error=problem)
    return FileResult(display, text, tuple(lint_text_with(text, display, rules, settings, path.parent)))


#: Files linted together when a rule works ahead for several (ShellCheck: one process for their RUNs).
GROUP_SIZE = 32


def lint_file_group(
    paths: Sequence[Path], rules: Sequence[DockerfileRule], settings: Settings
) -> list[FileResult]:
    """`lint_file` for each path, with the rules that work ahead (`prepare`) seeing all files first."""
    results: list[FileResult | None] = []
    pending: list[tuple[int, str, str, DockerfileContext]] = []
    for path in paths:
        display = str(path)
        text, problem = read_or_error(path)
        if text is None:
            results.append(FileResult(display, None, error=problem))
            continue
        context = _context(text, display, rule_options(settings, path.parent))
        if isinstance(context, Diagnostic):
            results.append(FileResult(display, text, tuple(apply_settings([context], display, settings))))
            continue
        pending.append((len(results), display, text, context))
        results.append(None)
    _prepare(rules, [context for *_, context in pending])
    for index, display, text, context in pending:
        found = apply_settings(_check(context, rules), display, settings)
        results[index] = FileResult(display, text, tuple(found))
    return [result for result in results if result is not None]


STDIN = "-"
"""The path that means "read the Dockerfile from standard input" (as `hadolint -` does)."""


def lint_stdin(
    stream: BinaryIO, rules: Sequence[DockerfileRule], settings: Settings, display_name: str = "<stdin>"
) -> FileResult:
    """Lint a Dockerfile read from a binary stream."""
    data = stream.read(MAX_SOURCE_BYTES + 1)
    if len(data) > MAX_SOURCE_BYTES:
        why = f"too large: over the {MAX_SOURCE_BYTES >> 20} MiB dockwise reads from one file"
        return FileResult(display_name, None, error=why)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return FileResult(display_name, None, error=_decode_error(error))
    return FileResult(display_name, text, tuple(lint_text_with(text, display_name, rules, settings)))


def lint_paths(
    paths: Iterable[str | Path],
    stdin: BinaryIO | None = None,
    settings: Settings | None = None,
    jobs: int | None = None,
    target: str | None = None,
    compose_files: Sequence[Path] = (),
    by_file: SettingsByFile | None = None,
) -> LintReport:
    """Find the Dockerfiles under `paths` and lint each with the selected rules; `-` reads `stdin`.

    Each file is linted with `by_file`'s settings for it (the config nearest to it), else with `settings`
    for all. `target` (a command-line choice) wins over the settings' own. Many files are linted in `jobs`
    worker processes (default: one per CPU, see `dockwise.parallel`). `compose_files` are merged into one
    Compose project, in order (`docker compose -f a -f b`).
    """
    from functools import partial

    from dockwise.discovery import discover_project
    from dockwise.parallel import MIN_FILES_PER_WORKER, map_files

    fixed = settings or Settings()
    settings_of = by_file.for_path if by_file is not None else (lambda _path: fixed)
    rules = _RulesBySettings()
    paths = list(paths)
    results: list[FileResult] = []
    if STDIN in paths and stdin is not None:
        here = settings_of(Path.cwd())
        results.append(lint_stdin(stdin, rules.dockerfile(here), here))
    from_stdin = len(results)
    dockerfiles, runtime = discover_project([path for path in paths if path != STDIN])
    files = dockerfiles.files
    first = settings_of(files[0]) if files else fixed
    if len(files) < MIN_FILES_PER_WORKER and _may_run_shellcheck(first):
        _start_shellcheck(files, first)
    chunks = _chunks_by_settings(files, settings_of, rules)

    def lint_chunk(chunk: tuple[Path, ...]) -> list[FileResult]:
        own = settings_of(chunk[0])
        checks = rules.dockerfile(own)
        if any(rule.prepares for rule in checks):
            linted = lint_file_group(chunk, checks, own)
        else:
            linted = [lint_file(path, checks, own) for path in chunk]
        runtime_checks = partial(rules.runtime, own)
        return [_with_documented_runs(r, runtime_checks, own, target or own.target) for r in linted]

    per_worker = (
        MIN_FILES_PER_WORKER if all(len(c) == 1 for c in chunks) else MIN_FILES_PER_WORKER // GROUP_SIZE
    )
    results.extend(r for chunk in map_files(lint_chunk, chunks, jobs, max(1, per_worker)) for r in chunk)
    problems = tuple(f"{problem.path}: {problem.message}" for problem in dockerfiles.problems)
    if runtime.files:
        found = lint_runtime_files(runtime.files, None, fixed, target, jobs, settings_of=settings_of)
        results.extend(_in_scope(found, paths, runtime.files))
    if compose_files:
        from dockwise.runtime_lint import lint_runtime_group

        missing = [path for path in compose_files if not path.is_file()]
        if missing:
            problems += tuple(f"{path}: no such file" for path in missing)
        else:
            own = settings_of(compose_files[0])
            group = tuple(compose_files)
            results.extend(lint_runtime_group(group, rules.runtime(own), own, target or own.target))
    as_dockerfiles = frozenset([str(path) for path in files] + [r.path for r in results[:from_stdin]])
    return LintReport(tuple(_one_result_per_file(results)), problems, dockerfiles.skipped, as_dockerfiles)


def _chunks_by_settings(
    files: Sequence[Path], settings_of: Callable[[Path], Settings], rules: _RulesBySettings
) -> list[tuple[Path, ...]]:
    """The files in order, in runs that share their settings: up to `GROUP_SIZE` files a run when a
    selected rule works ahead over many files (`prepare`), else one file a run."""
    chunks: list[list[Path]] = []
    for path in files:
        own = settings_of(path)  # looked up before the workers fork, so that each finds it cached
        size = GROUP_SIZE if any(rule.prepares for rule in rules.dockerfile(own)) else 1
        if chunks and len(chunks[-1]) < size and settings_of(chunks[-1][0]) is own:
            chunks[-1].append(path)
        else:
            chunks.append([path])
    return [tuple(chunk) for chunk in chunks]


class _RulesBySettings:
    """The rules each distinct Settings selects, built once (the runtime rules only when a file needs
    them: most Dockerfiles run no container)."""

    def __init__(self) -> None:
        self._dockerfile: dict[int, list[DockerfileRule]] = {}
        self._runtime: dict[int, list[RunSpecRule]] = {}

    def dockerfile(self, settings: Settings) -> list[DockerfileRule]:
        found = self._dockerfile.get(id(settings))
        if found is None:
            enabled = settings.enabled_by_overrides()
            found = self._dockerfile[id(settings)] = dockerfile_rules(
                settings.select, settings.ignore, enabled
            )
        return found

    def runtime(self, settings: Settings) -> list[RunSpecRule]:
        found = self._runtime.get(id(settings))
        if found is None:
            from dockwise.runtime_lint import runtime_rules

            enabled = settings.enabled_by_overrides()
            found = self._runtime[id(settings)] = runtime_rules(settings.select, settings.ignore, enabled)
        return found


def _in_scope(
    results: list[FileResult], paths: Sequence[str | Path], found: Sequence[Path]
) -> list[FileResult]:
    """The results of the files asked for: found by the search, or read for a project under a directory
    searched (a file `include` or `extends` names). A base beside an overlay named on the command line,
    or an override file `.gitignore` leaves out, is read for the merge (as `docker compose` would read
    it), not reported on."""
    import os

    from dockwise.discovery import is_compose_name

    wanted = {os.path.realpath(path) for path in found}
    roots = [os.path.realpath(path) + os.sep for path in paths if os.path.isdir(path)]

    def asked_for(path: str) -> bool:
        real = os.path.realpath(path)
        if real in wanted:
            return True
        return not is_compose_name(os.path.basename(path)) and any(real.startswith(root) for root in roots)

    return [result for result in results if asked_for(result.path)]


def _one_result_per_file(results: list[FileResult]) -> list[FileResult]:
    """Results for the same file (a Compose file in two projects, or given twice) as one, each finding
    once."""
    by_path: dict[str, FileResult] = {}
    for result in results:
        known = by_path.get(result.path)
        if known is None:
            by_path[result.path] = result
            continue
        seen = set(known.diagnostics)
        extra = tuple(d for d in result.diagnostics if d not in seen)
        combined = sorted((*known.diagnostics, *extra), key=_sort_key)
        by_path[result.path] = known.replace(diagnostics=tuple(combined), error=known.error or result.error)
    return list(by_path.values())


#: Selector texts that may turn DW690 (ShellCheck) on: a guess made before the rules are imported.
_SHELLCHECK_SELECTORS = frozenset({"all", "sc", "dw", "dw6", "dw69", "dw690", "shellcheck", "shell-hygiene"})


def _may_run_shellcheck(settings: Settings) -> bool:
    """Whether the selection seems to run ShellCheck (DW690). Only decides whether to start it early: a
    wrong guess costs one needless ShellCheck process, or the head start."""
    chosen = [
        selector.text.strip().lower() for selector in settings.select or settings.enabled_by_overrides()
    ]
    if not any(
        text in _SHELLCHECK_SELECTORS or (text[2:].isdecimal() and text[:2] == "sc") for text in chosen
    ):
        return False
    ignored = {selector.text.strip().lower() for selector in settings.ignore}
    return not ignored & {"all", "sc", "dw690", "shellcheck", "shell-hygiene"}


def _start_shellcheck(paths: Sequence[Path], settings: Settings) -> None:
    """Start ShellCheck on the RUN scripts of a few files before the rules are imported (a one-file lint
    spends most of its time importing them): DW690 then finds the answers ready or on their way. Any
    problem here is left for the real lint to meet and report."""
    try:
        from dockwise.rules.run_scripts import RunScript, scripts_of
        from dockwise.shellcheck import checker

        texts: list[str] = []
        for path in paths:
            text, _ = read_or_error(path)
            if text is None:
                continue
            context = _context(text, str(path), rule_options(settings, path.parent))
            if isinstance(context, DockerfileContext):
                texts.extend(file for _, script, file in scripts_of(context) if isinstance(script, RunScript))
                context.dockerfile.forget_build()
        checker(settings.shellcheck_path).submit(texts)
    except Exception:
        pass


def lint_runtime_files(
    files: Sequence[Path],
    rules: Sequence[RunSpecRule] | None,
    settings: Settings,
    target: str | None = None,
    jobs: int | None = None,
    settings_of: Callable[[Path], Settings] | None = None,
) -> list[FileResult]:
    """Compose files (merged with the files Compose merges them with, see
    `dockwise.runtime_lint.runtime_families`) and files with `docker run` lines, in `jobs` worker
    processes: one FileResult per file. Each project is linted with `settings_of` its first file (else
    `settings`, and `rules` when given)."""
    from dockwise.parallel import map_files
    from dockwise.runtime_lint import Family, lint_runtime_family, runtime_families

    families = runtime_families(list(files))
    by_rules = _RulesBySettings()
    for family in families:
        if settings_of is not None:
            settings_of(family[0][0])  # cached before the workers fork

    def lint_family(family: Family) -> list[FileResult]:
        own = settings_of(family[0][0]) if settings_of is not None else settings
        checks = rules if rules is not None and settings_of is None else by_rules.runtime(own)
        return lint_runtime_family(family, checks, own, target or own.target)

    return _one_result_per_file(
        [result for found in map_files(lint_family, families, jobs) for result in found]
    )


def _with_documented_runs(
    result: FileResult, checks: Callable[[], Sequence[RunSpecRule]], settings: Settings, target: str
) -> FileResult:
    """A Dockerfile's result plus the runtime findings of the `docker run` lines in its comments."""
    from dockwise.runspec.embedded import mentions_docker_run

    if result.text is None or not mentions_docker_run(result.text):
        return result
    from dockwise.runspec.embedded import comment_shadow
    from dockwise.runtime_lint import lint_script_text

    found = lint_script_text(
        comment_shadow(result.text), result.path, checks(), target, settings.min_stop_grace_period
    )
    if not found:
        return result
    combined = sorted([*result.diagnostics, *apply_settings(found, result.path, settings)], key=_sort_key)
    return result.replace(diagnostics=tuple(combined))
