"""The one result type of every check: `Diagnostic`, with its `Fix`, `Severity` and `Category`.

Lint rules, image checks, vulnerability matches and verify probes all return the same frozen value, so every
reporter works for all of them. Offsets into the source text are the truth; lines and columns are derived
when a diagnostic is rendered (`SourceText.position`), so edits never leave stale positions behind.
"""

from __future__ import annotations

import bisect
import itertools

from dockwise._compat import StrEnum
from dockwise.record import Record


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


class TextRange(Record):
    """Character offsets into a file's text; `end` is exclusive.

    Built by the millions while parsing, so it does not validate itself; `Edit` checks the ranges that
    fixes bring in, where a wrong range would damage a file.
    """

    __slots__ = ("end", "start")
    start: int
    end: int

    def __init__(self, start: int, end: int) -> None:
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def is_valid(self) -> bool:
        return 0 <= self.start <= self.end


class Edit(Record):
    """Replace the text in `range` with `text` (an empty range inserts, empty text deletes)."""

    __slots__ = ("range", "text")
    range: TextRange
    text: str

    def __init__(self, range: TextRange, text: str) -> None:
        if not range.is_valid:
            raise ValueError(f"invalid edit range {range.start}..{range.end}")
        object.__setattr__(self, "range", range)
        object.__setattr__(self, "text", text)

    @classmethod
    def insert(cls, at: int, text: str) -> Edit:
        return cls(TextRange(at, at), text)

    @classmethod
    def delete(cls, range_: TextRange) -> Edit:
        return cls(range_, "")


class Fix(Record):
    """A titled set of non-overlapping edits; the title is imperative ("Add --no-install-recommends")."""

    __slots__ = ("applicability", "edits", "title")
    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability

    def __init__(
        self, title: str, edits: tuple[Edit, ...], applicability: Applicability = Applicability.SAFE
    ) -> None:
        ordered = sorted(edits, key=lambda e: (e.range.start, e.range.end))
        for before, after in itertools.pairwise(ordered):
            if after.range.start < before.range.end:
                raise ValueError(f"fix {title!r} has overlapping edits")
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "edits", tuple(ordered))
        object.__setattr__(self, "applicability", applicability)


class FileLocation(Record):
    """A span of a text file (a Dockerfile, a Compose file, a script)."""

    __slots__ = ("path", "range")
    path: str
    range: TextRange

    def __init__(self, path: str, range: TextRange) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "range", range)


class LayerLocation(Record):
    """A file inside an image layer, or the layer itself when `file_path` is None."""

    __slots__ = ("file_path", "image", "layer_digest")
    image: str
    layer_digest: str
    file_path: str | None

    def __init__(self, image: str, layer_digest: str, file_path: str | None = None) -> None:
        object.__setattr__(self, "image", image)
        object.__setattr__(self, "layer_digest", layer_digest)
        object.__setattr__(self, "file_path", file_path)


Location = FileLocation | LayerLocation


class Diagnostic(Record):
    """One finding: which rule, how bad, what exactly, where, and optionally how to fix it."""

    __slots__ = (
        "aliases",
        "category",
        "code",
        "fix",
        "location",
        "message",
        "notes",
        "rule",
        "severity",
        "subject",
    )
    code: str
    rule: str
    category: Category
    severity: Severity
    message: str
    location: Location
    fix: Fix | None
    aliases: tuple[str, ...]
    notes: tuple[str, ...]
    subject: str | None
    """What the finding is about when its file holds several things that run (`service "web"` of a Compose
    file, a `docker run` line of a script): the text report groups findings by it."""

    def __init__(
        self,
        code: str,
        rule: str,
        category: Category,
        severity: Severity,
        message: str,
        location: Location,
        fix: Fix | None = None,
        aliases: tuple[str, ...] = (),
        notes: tuple[str, ...] = (),
        subject: str | None = None,
    ) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "category", category)
        object.__setattr__(self, "severity", severity)
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "location", location)
        object.__setattr__(self, "fix", fix)
        object.__setattr__(self, "aliases", aliases)
        object.__setattr__(self, "notes", notes)
        object.__setattr__(self, "subject", subject)


class Position(Record):
    """A 1-based line and column (columns count characters, as editors do)."""

    __slots__ = ("column", "line")
    line: int
    column: int

    def __init__(self, line: int, column: int) -> None:
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "column", column)


class SourceText(Record):
    """A file's text with a line index, to turn offsets into positions and back.

    Lines end at "\\n" only, as BuildKit counts them (a lone "\\r" does not start a line).
    """

    __slots__ = ("_line_starts", "path", "text")
    path: str
    text: str
    _line_starts: list[int]

    def __init__(self, path: str, text: str) -> None:
        starts = [0]
        find = text.find
        index = find("\n")
        while index != -1:
            starts.append(index + 1)
            index = find("\n", index + 1)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "text", text)
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
