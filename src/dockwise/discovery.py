"""Find the Dockerfiles under the paths a user gives, the way they expect from a linter.

A path that is a file is always checked (the user named it). Directories are searched recursively, skipping
version-control and dependency folders and whatever the `.gitignore` files (nested, with negation, via
`pathspec`) exclude. A `.dockerignore` hides nothing: it says what a build sends to the Engine, not which
files are Dockerfiles (a Dockerfile listed there is still read by the Engine, and projects list theirs to
keep them out of the image). What the `.gitignore` files leave out is counted (`Discovery.skipped`), so that
`check` can say so. A path that cannot be searched becomes a `DiscoveryProblem`; the other paths are still
searched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from dockwise.record import Record

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

SKIPPED_DIRECTORIES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".tox",
        ".mypy_cache",
        ".ruff_cache",
    }
)
_DOCKERFILE_STEMS = ("dockerfile", "containerfile")
_NOT_DOCKERFILE_SUFFIXES = (
    ".dockerignore", ".md", ".txt", ".orig", ".rej", ".bak", ".swp", ".j2", ".jinja", ".jinja2", ".tmpl",
    ".template", ".go", ".py", ".sh", ".ps1", ".yml", ".yaml", ".json", ".toml", ".lock", ".patch", ".diff",
)  # fmt: skip


def is_dockerfile_name(name: str) -> bool:
    """`Dockerfile`, `Containerfile`, `Dockerfile.dev`, `Dockerfile-alpine`, `api.Dockerfile` (any case)."""
    lower = name.lower()
    if lower in _DOCKERFILE_STEMS:
        return True
    if lower.endswith(_NOT_DOCKERFILE_SUFFIXES):
        return False
    for stem in _DOCKERFILE_STEMS:
        if lower.startswith((f"{stem}.", f"{stem}-", f"{stem}_")):
            return True
        if lower.endswith((f".{stem}", f"-{stem}")):
            return True
    return False


_FRAGMENT_WORDS = frozenset(
    {
        "j2",
        "jinja",
        "jinja2",
        "tmpl",
        "tpl",
        "template",
        "m4",
        "part",
        "partial",
        "fragment",
        "snippet",
        "inc",
    }
)
"""Words of a file name (between `.`, `-` and `_`) that make it a template or partial."""


def is_whole_dockerfile_name(path: str | None) -> bool:
    """Whether a file without FROM is a broken Dockerfile (DW002) rather than a fragment that a build script
    completes: named as a Dockerfile (`Dockerfile`, `api.Dockerfile`, `Dockerfile.dev`) and not as a
    template or partial (`Dockerfile.template`, `Dockerfile-tmpl`, `Dockerfile.in`, `base.part`); standard
    input counts as whole."""
    if path is None or path in ("-", "<stdin>", "<string>"):
        return True
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if not is_dockerfile_name(name) or name.endswith(".in"):
        return False
    return not _FRAGMENT_WORDS & set(re.split(r"[.\-_]+", name))


class DiscoveryProblem(Record):
    """A path that could not be searched, and why."""

    __slots__ = ("message", "path")
    path: str
    message: str

    def __init__(self, path: str, message: str) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "message", message)


GITIGNORED_FILES = "files in .gitignore"
GITIGNORED_DIRECTORIES = "directories in .gitignore"


class Discovery(Record):
    """The files found (deduplicated, in a stable order), the paths that could not be searched, and how
    many files (named like one dockwise checks) and directories were left out, by reason."""

    __slots__ = ("files", "problems", "skipped")
    files: tuple[Path, ...]
    problems: tuple[DiscoveryProblem, ...]
    skipped: tuple[tuple[str, int], ...]

    def __init__(
        self,
        files: tuple[Path, ...],
        problems: tuple[DiscoveryProblem, ...] = (),
        skipped: tuple[tuple[str, int], ...] = (),
    ) -> None:
        object.__setattr__(self, "files", files)
        object.__setattr__(self, "problems", problems)
        object.__setattr__(self, "skipped", skipped)


class _Walk:
    __slots__ = ("dockerfiles", "problems", "runtime", "seen", "skipped")

    def __init__(self) -> None:
        self.dockerfiles: list[Path] = []
        self.runtime: list[Path] = []
        self.problems: list[DiscoveryProblem] = []
        self.seen: set[tuple[int, int] | str] = set()
        self.skipped: dict[str, int] = {}

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def add(self, path: Path, kind: str) -> None:
        """Each file once, however it was reached (a symbolic link, `a/../a`, a hard link): by its device
        and inode, one stat where resolving the real path took one lstat per component."""
        try:
            status = os.stat(path)
            key: tuple[int, int] | str = (status.st_dev, status.st_ino)
        except OSError:
            key = os.path.realpath(path)
        if key not in self.seen:
            self.seen.add(key)
            (self.dockerfiles if kind == DOCKERFILE else self.runtime).append(path)


_COMPOSE_NAME = re.compile(r"(?:docker-)?compose(?:\.[\w.-]+)?\.ya?ml", re.IGNORECASE)


def is_compose_name(name: str) -> bool:
    """`compose.yaml`, `docker-compose.yml`, `compose.override.yaml`, `docker-compose.prod.yml` ..."""
    return bool(_COMPOSE_NAME.fullmatch(name))


def is_yaml_name(name: str) -> bool:
    return name.lower().endswith((".yml", ".yaml"))


DOCKERFILE = "dockerfile"
RUNTIME = "runtime"
"""Compose files and files that may hold `docker run` lines."""


def discover_project(paths: Sequence[str | Path]) -> tuple[Discovery, Discovery]:
    """Search `paths` once for Dockerfiles and for runtime files: Compose files (by name), shell scripts,
    Makefiles, GitHub Actions workflows and GitLab CI files. A file given by name is a runtime file when
    it is YAML, a script or a Makefile, else a Dockerfile. The problems come with the Dockerfiles."""
    walk = _Walk()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            _search(path, walk, ())
        elif path.is_file():
            walk.add(path, RUNTIME if _given_runtime_file(path.name) else DOCKERFILE)
        elif path.exists():
            walk.problems.append(DiscoveryProblem(str(path), "not a regular file or directory"))
        else:
            walk.problems.append(DiscoveryProblem(str(path), "no such file or directory"))
    skipped = tuple(walk.skipped.items())
    return Discovery(tuple(walk.dockerfiles), tuple(walk.problems), skipped), Discovery(tuple(walk.runtime))


def discover_dockerfiles(paths: Sequence[str | Path]) -> Discovery:
    """The Dockerfiles under `paths` (see `discover_project`)."""
    return discover_project(paths)[0]


def discover_runtime_files(paths: Sequence[str | Path]) -> Discovery:
    """The Compose files and files with `docker run` lines under `paths` (see `discover_project`)."""
    return discover_project(paths)[1]


def is_script_name(name: str) -> bool:
    return name.endswith((".sh", ".bash"))


def _given_runtime_file(name: str) -> bool:
    from dockwise.runspec.embedded import is_makefile

    return is_yaml_name(name) or is_script_name(name) or is_makefile(name)


def _kind_found(path: Path) -> str | None:
    """What a file found while searching a directory is, by its name (None: neither)."""
    from dockwise.runspec.embedded import is_ci_file, is_makefile

    name = path.name
    if is_dockerfile_name(name):
        return DOCKERFILE
    if is_compose_name(name) or is_script_name(name) or is_makefile(name) or is_ci_file(path):
        return RUNTIME
    return None


_Ignores = tuple[tuple[Path, "GitIgnoreSpec"], ...]


def _search(directory: Path, walk: _Walk, gitignores: _Ignores) -> None:
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        walk.problems.append(DiscoveryProblem(str(directory), f"cannot search: {error.strerror or error}"))
        return
    names = {entry.name for entry in entries}
    if ".gitignore" in names:
        spec = _read_gitignore(directory / ".gitignore")
        if spec is not None:
            gitignores = (*gitignores, (directory, spec))
    for entry in entries:
        path = Path(entry.path)
        try:
            is_directory = entry.is_dir(follow_symlinks=False)
            is_file = entry.is_file()
        except OSError:
            continue
        if is_directory:
            if entry.name in SKIPPED_DIRECTORIES:
                continue
            if _ignored(path, True, gitignores):
                walk.skip(GITIGNORED_DIRECTORIES)
                continue
            found_before = len(walk.dockerfiles) + len(walk.runtime)
            _search(path, walk, gitignores)
            if is_dockerfile_name(entry.name) and len(walk.dockerfiles) + len(walk.runtime) == found_before:
                walk.problems.append(
                    DiscoveryProblem(
                        str(path), "a directory named like a Dockerfile, with nothing to check in it"
                    )
                )
        elif kind := _kind_found(path):
            if _ignored(path, False, gitignores):
                walk.skip(GITIGNORED_FILES)
            elif is_file:
                walk.add(path, kind)
            else:
                walk.problems.append(DiscoveryProblem(str(path), f"{_special_kind(path)}: not checked"))


def _special_kind(path: Path) -> str:
    """What a path named like a file dockwise checks is, when it is no regular file: said instead of
    skipping it without a word (reading a FIFO would block until something writes to it)."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        return "a broken symbolic link" if path.is_symlink() else "cannot be read"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a regular file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a regular file"
    return "not a regular file"


def _ignored(path: Path, is_directory: bool, gitignores: _Ignores) -> bool:
    """Whether the nearest deciding `.gitignore` rule excludes `path` (Git never re-includes files below
    an ignored directory, so an ignored directory need not be searched)."""
    decision = False
    for base, spec in gitignores:
        relative = path.relative_to(base).as_posix() + ("/" if is_directory else "")
        result = spec.check_file(relative).include
        if result is not None:
            decision = result
    return decision


def _read_gitignore(path: Path) -> GitIgnoreSpec | None:
    from pathspec import GitIgnoreSpec

    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return GitIgnoreSpec.from_lines(lines)


class DockerIgnore(Record):
    """A `.dockerignore` file: Go `filepath.Match` patterns with `**`, `!` exceptions, last match wins.
    Read by the rules about the build context, not by discovery.

    Written here because `pathspec` has only gitignore flavours, and `.dockerignore` differs: patterns are
    anchored at the build context root, a trailing `/` has no meaning, and a path is excluded when it or a
    parent directory matches.
    """

    __slots__ = ("rules",)
    rules: tuple[tuple[bool, re.Pattern[str]], ...]

    def __init__(self, rules: tuple[tuple[bool, re.Pattern[str]], ...]) -> None:
        object.__setattr__(self, "rules", rules)

    @classmethod
    def for_build(cls, context: Path, dockerfile: Path) -> tuple[Path, DockerIgnore] | None:
        """The ignore file a build of `dockerfile` with this `context` uses, and its rules: BuildKit takes
        `<Dockerfile>.dockerignore` beside the Dockerfile over the context's `.dockerignore`."""
        for candidate in (dockerfile.with_name(f"{dockerfile.name}.dockerignore"), context / ".dockerignore"):
            if candidate.is_file():
                ignore = cls.read(candidate)
                if ignore is not None:
                    return candidate, ignore
        return None

    @classmethod
    def read(cls, path: Path) -> DockerIgnore | None:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        return cls.from_lines(text.splitlines())

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> DockerIgnore:
        rules = []
        for line in lines:
            pattern = line.strip()
            if not pattern or pattern.startswith("#"):
                continue
            negated = pattern.startswith("!")
            if negated:
                pattern = pattern[1:].strip()
            pattern = os.path.normpath(pattern).replace(os.sep, "/").lstrip("/")
            if pattern in (".", ""):
                continue
            rules.append((negated, docker_pattern(pattern)))
        return cls(tuple(rules))

    @property
    def has_exceptions(self) -> bool:
        return any(negated for negated, _ in self.rules)

    @property
    def ignores_everything(self) -> bool:
        """`*`, `**` or `**/*` with no `!` exception: `COPY . .` copies nothing (BuildKit's test too)."""
        if self.has_exceptions:
            return False
        everything = {docker_pattern(pattern).pattern for pattern in ("*", "**", "**/*")}
        return any(rule.pattern in everything for _, rule in self.rules)

    def excludes(self, relative: str) -> bool:
        """Whether the path (relative to the .dockerignore's directory) is left out of the context."""
        parents = _with_parents(relative)
        excluded = False
        for negated, regex in self.rules:
            if any(regex.fullmatch(candidate) for candidate in parents):
                excluded = not negated
        return excluded


def _with_parents(relative: str) -> list[str]:
    parts = relative.split("/")
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]


@lru_cache(maxsize=512)
def docker_pattern(pattern: str) -> re.Pattern[str]:
    """Translate a Docker path pattern (`.dockerignore`, and COPY sources: both go through Docker's
    patternmatcher, `**` included) to a regular expression over `/`-separated relative paths."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        ch = pattern[index]
        if pattern.startswith("**", index):
            index += 2
            if pattern.startswith("/", index):
                index += 1
                out.append("(?:.*/)?")
            else:
                out.append(".*")
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            close = pattern.find("]", index + 1)
            if close == -1:
                out.append(re.escape(ch))
            else:
                # Go's classes read like Python's: `[^...]` negates, `\\` escapes.
                out.append(f"[{pattern[index + 1 : close]}]")
                index = close
        elif ch == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append(re.escape(ch))
        index += 1
    return re.compile("".join(out), re.DOTALL)
