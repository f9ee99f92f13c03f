"""The one result type of every check: `Diagnostic`, with its `Fix`, `Severity` and `Category`.

Lint rules, image checks, vulnerability matches and verify probes all return the same frozen value, so every
reporter works for all of them. Offsets into the source text are the truth; lines and columns are derived
when a diagnostic is rendered (`SourceText.position`), so edits never leave stale positions behind.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field

from dockwise._compat import StrEnum


class Severity(StrEnum):
    """How bad a finding is; `--fail-on` compares by `rank`."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    STYLE = "style"

    @property
    def rank(self) -> int:
        """Higher is worse: error 3, warning 2, info 1, style 0."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1, Severity.STYLE: 0}


class Category(StrEnum):
    """The playbook technique a finding belongs to (the fixed list of DESIGN.md)."""

    MULTI_STAGE = "multi-stage"
    BASE_IMAGE_PINNING = "base-image-pinning"
    PACKAGE_MANAGER_HYGIENE = "package-manager-hygiene"
    CACHE_ORDERING = "cache-ordering"
    BUILDKIT_MOUNTS = "buildkit-mounts"
    SECRETS_IN_BUILD = "secrets-in-build"
    NON_ROOT_USER = "non-root-user"
    EXEC_FORM_SIGNALS = "exec-form-signals"
    HEALTHCHECK = "healthcheck"
    COPY_VS_ADD = "copy-vs-add"
    SHELL_HYGIENE = "shell-hygiene"
    WORKDIR_ABSOLUTE = "workdir-absolute"
    EXPOSE_PORTS = "expose-ports"
    LABELS_METADATA = "labels-metadata"
    DEPRECATED_INSTRUCTION = "deprecated-instruction"
    SYNTAX = "syntax"
    RESOURCE_LIMITS = "resource-limits"
    RUNTIME_HARDENING = "runtime-hardening"
    NETWORKING = "networking"
    VOLUMES = "volumes"
    IMAGE_SIZE = "image-size"
    SECRETS_IN_IMAGE = "secrets-in-image"
    VULNERABILITIES = "vulnerabilities"
    ORCHESTRATION = "orchestration"


class Applicability(StrEnum):
    """Whether a fix keeps behaviour (safe), changes it (unsafe, opt-in) or is only shown (suggestion)."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    SUGGESTION = "suggestion"


@dataclass(frozen=True, slots=True)
class TextRange:
    """Character offsets into a file's text; `end` is exclusive.

    Built by the millions while parsing, so it does not validate itself; `Edit` checks the ranges that
    fixes bring in, where a wrong range would damage a file.
    """

    start: int
    end: int

    @property
    def is_valid(self) -> bool:
        return 0 <= self.start <= self.end


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text in `range` with `text` (an empty range inserts, empty text deletes)."""

    range: TextRange
    text: str

    def __post_init__(self) -> None:
        if not self.range.is_valid:
            raise ValueError(f"invalid edit range {self.range.start}..{self.range.end}")

    @classmethod
    def insert(cls, at: int, text: str) -> Edit:
        return cls(TextRange(at, at), text)

    @classmethod
    def delete(cls, range_: TextRange) -> Edit:
        return cls(range_, "")


@dataclass(frozen=True, slots=True)
class Fix:
    """A titled set of non-overlapping edits; the title is imperative ("Add --no-install-recommends")."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    def __post_init__(self) -> None:
        ordered = sorted(self.edits, key=lambda e: (e.range.start, e.range.end))
        for before, after in itertools.pairwise(ordered):
            if after.range.start < before.range.end:
                raise ValueError(f"fix {self.title!r} has overlapping edits")
        object.__setattr__(self, "edits", tuple(ordered))


@dataclass(frozen=True, slots=True)
class FileLocation:
    """A span of a text file (a Dockerfile, a Compose file, a script)."""

    path: str
    range: TextRange


@dataclass(frozen=True, slots=True)
class LayerLocation:
    """A file inside an image layer, or the layer itself when `file_path` is None."""

    image: str
    layer_digest: str
    file_path: str | None = None


Location = FileLocation | LayerLocation


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: which rule, how bad, what exactly, where, and optionally how to fix it."""

    code: str
    rule: str
    category: Category
    severity: Severity
    message: str
    location: Location
    fix: Fix | None = None
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column (columns count characters, as editors do)."""

    line: int
    column: int


@dataclass(frozen=True)
class SourceText:
    """A file's text with a line index, to turn offsets into positions and back.

    Lines end at "\\n" only, as BuildKit counts them (a lone "\\r" does not start a line).
    """

    path: str
    text: str
    _line_starts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [0]
        find = self.text.find
        index = find("\n")
        while index != -1:
            starts.append(index + 1)
            index = find("\n", index + 1)
        object.__setattr__(self, "_line_starts", starts)

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def position(self, offset: int) -> Position:
        """The 1-based line and column of a character offset."""
        line_index = bisect.bisect_right(self._line_starts, offset) - 1
        return Position(line_index + 1, offset - self._line_starts[line_index] + 1)

    def line_start(self, line: int) -> int:
        """The offset where 1-based `line` starts."""
        return self._line_starts[line - 1]

    def line_text(self, line: int) -> str:
        """The text of 1-based `line` without its line ending."""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] - 1 if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r")
