"""Fix Dockerfiles on disk: read, fix, and write back atomically, or only show the diff.

A file is replaced by renaming a complete temporary copy over it (same directory, same permission bits,
flushed to disk first), so an interrupted run leaves either the old or the new file, never half of one.
A symbolic link is followed: the file it points to is rewritten and the link stays a link.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockwise.config import Settings, SettingsByFile
from dockwise.diagnostics import Diagnostic
from dockwise.fix.engine import FixDidNotConverge, FixOutcome, fix_text
from dockwise.lint import dockerfile_rules, lint_text_with, read_or_error
from dockwise.rules import DockerfileRule

if TYPE_CHECKING:
    from dockwise.discovery import Discovery


@dataclass(frozen=True, slots=True)
class FileFix:
    """The outcome for one file: the fix outcome, or why the file could not be fixed."""

    path: str
    outcome: FixOutcome | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()
    """What was left undone, and why (shown as warnings)."""

    def diff(self) -> str:
        if self.outcome is None or not self.outcome.changed:
            return ""
        return unified_diff(self.path, self.outcome.original, self.outcome.text)


_NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff `patch` and `git apply` accept: difflib leaves a last line without its newline
    glued to the next line of the diff, where diff(1) ends it and adds the "No newline" marker."""
    lines = []
    for line in difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=path, tofile=path
    ):
        lines.append(line)
        if not line.endswith("\n"):
            lines.append("\n" + _NO_NEWLINE)
    return "".join(lines)


def fix_paths(
    paths: Iterable[str | Path],
    settings: Settings | SettingsByFile,
    *,
    unsafe: bool = False,
    write: bool = True,
    found: Discovery | None = None,
) -> tuple[list[FileFix], list[str]]:
    """Fix every Dockerfile found under `paths` (or the Dockerfiles of `found`, when the caller searched
    already); `write=False` computes the fixes only (--diff, --check).

    Returns the per-file results and the paths that could not be searched.
    """
    from dockwise.discovery import discover_dockerfiles

    by_file = settings if isinstance(settings, SettingsByFile) else None
    rules: dict[int, list[DockerfileRule]] = {}
    discovery = found if found is not None else discover_dockerfiles(list(paths))
    results = []
    for path in discovery.files:
        own = by_file.for_path(path) if by_file is not None else settings
        assert isinstance(own, Settings)  # for mypy: a SettingsByFile is by_file
        if id(own) not in rules:
            rules[id(own)] = dockerfile_rules(own.select, own.ignore, own.enabled_by_overrides())
        display = str(path)
        text, problem = read_or_error(path)
        if text is None:
            results.append(FileFix(display, error=problem))
            continue

        def lint(
            current: str, display: str = display, folder: Path = path.parent, own: Settings = own
        ) -> list[Diagnostic]:
            return lint_text_with(current, display, rules[id(own)], own, folder)

        try:
            outcome = fix_text(text, lint, unsafe=unsafe)
        except FixDidNotConverge as error:
            results.append(FileFix(display, error=str(error)))
            continue
        results.append(_settled(path, outcome, write))
    problems = [f"{problem.path}: {problem.message}" for problem in discovery.problems]
    return results, problems


def _settled(path: Path, outcome: FixOutcome, write: bool) -> FileFix:
    """The file's result, after writing the fixed text when asked and something changed."""
    if write and outcome.changed:
        try:
            write_atomically(path, outcome.text)
        except OSError as error:
            return FileFix(str(path), error=f"cannot write: {error.strerror or error}")
    return FileFix(str(path), outcome)


def write_output(path: Path, text: str, what: str = "") -> None:
    """`write_atomically` for a file a command was asked to write (`-o`, a baseline): a failure is the
    user's to fix, so it is one clear error (`PATH: cannot write WHAT: reason`), not a traceback."""
    from dockwise.errors import DockwiseError

    try:
        write_atomically(path, text)
    except OSError as error:
        label = f" {what}" if what else ""
        raise DockwiseError(f"{path}: cannot write{label}: {error.strerror or error}") from None


def write_atomically(path: Path, text: str) -> None:
    """Replace `path`'s content with `text` (UTF-8) through a temporary file and a rename. An existing
    file keeps its mode; a new one gets what `open` would give it (0o666 less the umask)."""
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".dockwise", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(text.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def runtime_findings(files: Sequence[Path], settings: Settings | SettingsByFile) -> int:
    """How many findings Compose files and files with `docker run` lines have: `fix` rewrites Dockerfiles
    only (Compose files with --harden), but its summary should not hide the rest."""
    from dockwise.lint import lint_runtime_files
    from dockwise.runtime_lint import runtime_rules

    if not files:
        return 0
    if isinstance(settings, SettingsByFile):
        found = lint_runtime_files(files, None, Settings(), settings_of=settings.for_path)
    else:
        rules = runtime_rules(settings.select, settings.ignore, settings.enabled_by_overrides())
        found = lint_runtime_files(files, rules, settings, settings.target)
    return sum(len(result.diagnostics) for result in found)


def _jobs(path: Path) -> frozenset[str]:
    """The services of a Compose file that run to completion (see `dockwise.runspec.workload`): --harden
    leaves them alone. A file that does not load as a project on its own (an overlay) has none known."""
    from dockwise.runspec.compose import ComposeError, load_compose

    try:
        project = load_compose([path])
    except ComposeError:
        return frozenset()
    return frozenset(name for name, spec in project.services.items() if spec.workload == "job")


def harden_paths(
    paths: Iterable[str | Path], *, write: bool = True, profile: Path | None = None
) -> tuple[list[FileFix], list[str]]:
    """`dockwise fix --harden`: the hardened baseline added to every Compose file found under `paths`;
    with `profile` (`verify --learn --format json`), its service gets the measured values."""
    from dockwise.diagnostics import Applicability
    from dockwise.discovery import discover_runtime_files
    from dockwise.fix.engine import AppliedFix
    from dockwise.fix.harden import harden_compose
    from dockwise.runspec.compose import ComposeError
    from dockwise.runspec.embedded import is_ci_file
    from dockwise.runtime_lint import is_script

    learned = read_learned(profile) if profile is not None else None
    discovery = discover_runtime_files(list(paths))
    results = []
    for path in discovery.files:
        if is_script(path) or not path.name.endswith((".yml", ".yaml")) or is_ci_file(path):
            continue
        display = str(path)
        text, problem = read_or_error(path)
        if text is None:
            results.append(FileFix(display, error=problem))
            continue
        try:
            hardened = harden_compose(text, jobs=_jobs(path), measured=_learned_for(path, learned))
        except ComposeError as error:
            results.append(FileFix(display, error=f"cannot harden: {error}"))
            continue
        applied = tuple(AppliedFix("harden", change, Applicability.UNSAFE) for change in hardened.changes)
        settled = _settled(path, FixOutcome(text, hardened.text, applied, ()), write)
        results.append(replace(settled, notes=hardened.skipped) if settled.error is None else settled)
    problems = [f"{problem.path}: {problem.message}" for problem in discovery.problems]
    if learned is not None and not any(_learned_for(path, learned) for path in discovery.files):
        problems.append(
            f"--profile {profile}: learned from {learned.get('compose')}, which is not among the files found"
        )
    return results, problems


def read_learned(path: Path) -> dict[str, Any]:
    """A profile written by `dockwise verify --learn --format json`, checked enough to be used."""
    import json

    from dockwise.errors import DockwiseError

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DockwiseError(f"--profile {path}: {error}") from None
    if not isinstance(document, dict) or "cap_add" not in document or "reasons" not in document:
        raise DockwiseError(f"--profile {path}: not a profile from `dockwise verify --learn --format json`")
    if not document.get("service"):
        raise DockwiseError(f"--profile {path}: it names no Compose service (learn with --compose --service)")
    if not document.get("works") or not document.get("confirmed"):
        raise DockwiseError(f"--profile {path}: the learned profile was not confirmed by a run; not applied")
    return document


def _learned_for(
    path: Path, learned: dict[str, Any] | None
) -> dict[str, dict[str, tuple[object, str]]] | None:
    """The profile's settings, keyed by its service, for the Compose file it was learned from."""
    from dockwise.fix.harden import learned_settings

    if learned is None:
        return None
    compose = learned.get("compose")
    if compose and Path(compose).resolve() != path.resolve():
        return None  # (the path as given to verify --learn, relative to where it ran)
    return {str(learned["service"]): learned_settings(learned)}
