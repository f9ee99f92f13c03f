"""The lossless Dockerfile tree: every byte of the source belongs to exactly one node.

A `Dockerfile` is a sequence of nodes that tile its text: `Trivia` for lines outside any instruction (blank
lines, comments, parser directives) and `Instruction` for an instruction's physical lines, including its
continuation lines, the comments and blank lines BuildKit skips inside them, and its heredoc bodies. So
`render()` gives back the input byte for byte, and a fix is a text edit at offsets the nodes know.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from dockwise.diagnostics import Position, SourceText, TextRange
from dockwise.record import Record, slot_setters

if TYPE_CHECKING:
    from dockwise.dockerfile.build import Build, Stage
    from dockwise.dockerfile.flags import Flags, Mount

#: The instructions BuildKit knows, in the order its reference lists them.
KNOWN_INSTRUCTIONS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    }
)  # fmt: skip


class Heredoc(Record):
    """A here-document attached to RUN, COPY or ADD (`<<EOF`, `<<-EOF`, `<<'EOF'`, `3<<EOF`)."""

    __slots__ = ("body_range", "content", "expand", "file_descriptor", "name", "strip_tabs")
    name: str
    content: str
    """The body as BuildKit reads it: each line followed by "\\n", leading tabs kept even for `<<-`."""
    strip_tabs: bool
    """`<<-`: leading tabs of the body and terminator are removed when the instruction runs."""
    expand: bool
    """False when the marker is (partly) quoted: variables in the body are then left as written."""
    file_descriptor: int
    body_range: TextRange
    """The body lines and the terminator line in the source (without the terminator's newline)."""

    def __init__(
        self,
        name: str,
        content: str,
        strip_tabs: bool,
        expand: bool,
        file_descriptor: int,
        body_range: TextRange,
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "content", content)
        object.__setattr__(self, "strip_tabs", strip_tabs)
        object.__setattr__(self, "expand", expand)
        object.__setattr__(self, "file_descriptor", file_descriptor)
        object.__setattr__(self, "body_range", body_range)

    @property
    def effective_content(self) -> str:
        """The content the build sees: with leading tabs removed from each line for `<<-`."""
        if not self.strip_tabs:
            return self.content
        return "".join(line.lstrip("\t") for line in self.content.splitlines(keepends=True))


class Directive(Record):
    """A parser directive (`# syntax=`, `# escape=`, `# check=`) from the leading comment block."""

    __slots__ = ("line", "name", "range", "value")
    name: str
    value: str
    line: int
    range: TextRange

    def __init__(self, name: str, value: str, line: int, range: TextRange) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "range", range)


class Directives(Record):
    """The parser directives in force, with BuildKit's defaults for the ones not written."""

    __slots__ = ("all", "check", "escape", "syntax")
    syntax: str | None
    escape: str
    check: str | None
    all: tuple[Directive, ...]

    def __init__(
        self,
        syntax: str | None = None,
        escape: str = "\\",
        check: str | None = None,
        all: tuple[Directive, ...] = (),
    ) -> None:
        object.__setattr__(self, "syntax", syntax)
        object.__setattr__(self, "escape", escape)
        object.__setattr__(self, "check", check)
        object.__setattr__(self, "all", all)

    def get(self, name: str) -> Directive | None:
        return next((directive for directive in self.all if directive.name == name), None)


TriviaKind = Literal["blank", "comment", "directive"]


class Trivia(Record):
    """A source line that is not part of an instruction: blank, a comment, or a parser directive."""

    __slots__ = ("end", "kind", "line", "start")
    kind: TriviaKind
    line: int
    start: int
    end: int

    def __init__(self, kind: TriviaKind, line: int, start: int, end: int) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def source_range(self) -> TextRange:
        """The line, its line ending included."""
        return TextRange(self.start, self.end)


class OffsetMap(Record):
    """Maps character indexes of a logical line back to offsets in the source text.

    A logical line is made of pieces of several physical lines; `segment_starts[i]` is where piece `i`
    begins in the logical line and `segment_offsets[i]` where it begins in the source.
    """

    __slots__ = ("segment_offsets", "segment_starts")
    segment_starts: list[int]
    segment_offsets: list[int]

    def __init__(self, segment_starts: list[int], segment_offsets: list[int]) -> None:
        object.__setattr__(self, "segment_starts", segment_starts)
        object.__setattr__(self, "segment_offsets", segment_offsets)

    def offset(self, index: int) -> int:
        """The source offset of character `index` of the logical line (or just past its end)."""
        starts = self.segment_starts
        if len(starts) == 1:
            return self.segment_offsets[0] + index
        piece = bisect.bisect_right(starts, index) - 1
        return self.segment_offsets[piece] + index - starts[piece]

    def range(self, start: int, end: int) -> TextRange:
        """The source range of logical characters `start` up to `end` (empty when `end <= start`)."""
        first = self.offset(start)
        if end <= start:
            return TextRange(first, first)
        return TextRange(first, max(first, self.offset(end - 1) + 1))


class Instruction(Record):
    """One Dockerfile instruction, with BuildKit's view of it and the source positions behind it.

    `start_line`/`end_line` are counted as BuildKit counts them (1-based; an instruction ends on its last
    continuation line or heredoc terminator). `line` is the logical line BuildKit parses (continuations
    joined, comment and empty lines inside them dropped); `arguments` is BuildKit's argument list for it.
    The trigger of an ONBUILD shares the ONBUILD's `line` (its spans index it from the ONBUILD keyword on).
    """

    __slots__ = (
        "_parsed_flags",
        "arguments",
        "arguments_span",
        "comments",
        "content_end",
        "end_column",
        "end_line",
        "flag_spans",
        "flags",
        "heredocs",
        "index",
        "is_exec_form",
        "keyword",
        "keyword_as_written",
        "keyword_span",
        "line",
        "offsets",
        "onbuild",
        "source_range",
        "start_column",
        "start_line",
    )
    keyword: str
    """Upper case, e.g. "RUN"."""
    keyword_as_written: str
    line: str
    start_line: int
    end_line: int
    start_column: int
    end_column: int
    """1-based column just past the last character of the instruction's last line (heredoc body included)."""
    source_range: TextRange
    """The whole physical lines of the instruction, line ending included: the nodes tile the file."""
    flags: tuple[str, ...]
    """The raw flag strings as BuildKit extracts them, e.g. "--mount=type=cache,target=/x"."""
    arguments: tuple[str, ...]
    is_exec_form: bool
    heredocs: tuple[Heredoc, ...]
    onbuild: Instruction | None
    """The instruction an ONBUILD wraps (its lines and ranges lie within this one)."""
    comments: tuple[str, ...]
    """The comment lines directly above, as BuildKit attaches them (used for pragmas)."""
    index: int
    """Position among the file's top-level instructions (0-based)."""
    content_end: int
    """Offset just past the last character of the last line (line ending excluded)."""
    offsets: OffsetMap
    """Where each character of `line` came from; the ranges below are derived from it on demand."""
    keyword_span: tuple[int, int]
    flag_spans: tuple[tuple[int, int], ...]
    arguments_span: tuple[int, int]
    _parsed_flags: Flags | None

    def __init__(
        self,
        keyword: str,
        keyword_as_written: str,
        line: str,
        start_line: int,
        end_line: int,
        start_column: int,
        end_column: int,
        source_range: TextRange,
        flags: tuple[str, ...],
        arguments: tuple[str, ...],
        is_exec_form: bool,
        heredocs: tuple[Heredoc, ...],
        onbuild: Instruction | None,
        comments: tuple[str, ...],
        index: int,
        content_end: int,
        offsets: OffsetMap,
        keyword_span: tuple[int, int],
        flag_spans: tuple[tuple[int, int], ...],
        arguments_span: tuple[int, int],
    ) -> None:
        (
            set_keyword, set_keyword_as_written, set_line, set_start_line, set_end_line, set_start_column,
            set_end_column, set_source_range, set_flags, set_arguments, set_is_exec_form, set_heredocs,
            set_onbuild, set_comments, set_index, set_content_end, set_offsets, set_parsed_flags,
            set_keyword_span, set_flag_spans, set_arguments_span,
        ) = _INSTRUCTION_SETTERS  # fmt: skip
        set_keyword(self, keyword)
        set_keyword_as_written(self, keyword_as_written)
        set_line(self, line)
        set_start_line(self, start_line)
        set_end_line(self, end_line)
        set_start_column(self, start_column)
        set_end_column(self, end_column)
        set_source_range(self, source_range)
        set_flags(self, flags)
        set_arguments(self, arguments)
        set_is_exec_form(self, is_exec_form)
        set_heredocs(self, heredocs)
        set_onbuild(self, onbuild)
        set_comments(self, comments)
        set_index(self, index)
        set_content_end(self, content_end)
        set_offsets(self, offsets)
        set_parsed_flags(self, None)
        set_keyword_span(self, keyword_span)
        set_flag_spans(self, flag_spans)
        set_arguments_span(self, arguments_span)

    @property
    def range(self) -> TextRange:
        """From the keyword to the end of the last line's content (line ending excluded)."""
        start = self.offsets.offset(self.keyword_span[0])
        return TextRange(start, max(start, self.content_end))

    @property
    def keyword_range(self) -> TextRange:
        return self.offsets.range(*self.keyword_span)

    @property
    def flag_ranges(self) -> tuple[TextRange, ...]:
        return tuple(self.offsets.range(start, end) for start, end in self.flag_spans)

    @property
    def arguments_range(self) -> TextRange:
        """The argument text in the source (after keyword and flags), for edits that rewrite it."""
        return self.offsets.range(*self.arguments_span)

    def locate(self, text: str) -> TextRange:
        """Where `text` first appears in the arguments (a key, a port, a path); the arguments when absent.

        Arguments are values after BuildKit's processing, so a caller passes raw text as written (for
        ENV/LABEL pairs the raw key, quotes included)."""
        start, end = self.arguments_span
        found = self.line.find(text, start, end) if text else -1
        if found < 0:
            return self.arguments_range
        return self.offsets.range(found, found + len(text))

    @property
    def parsed_flags(self) -> Flags:
        """`flags` parsed and checked: `--mount` specs, `--from`, `--chown`, `--link` ... (see `flags.py`)."""
        parsed = self._parsed_flags
        if parsed is None:  # rules ask several times per instruction: parse once
            from dockwise.dockerfile.flags import parse_flags

            parsed = parse_flags(self.flags, self.keyword)
            object.__setattr__(self, "_parsed_flags", parsed)
        return parsed

    @property
    def mounts(self) -> tuple[Mount, ...]:
        """The `RUN --mount=` specs, parsed."""
        return self.parsed_flags.mounts

    @property
    def is_shell_form(self) -> bool:
        return not self.is_exec_form

    @property
    def copies_files(self) -> bool:
        """A COPY or ADD of sources to a destination (one whose content is a heredoc body is not)."""
        return self.keyword in ("COPY", "ADD") and not self.heredocs and len(self.arguments) >= 2

    def walk(self) -> Iterator[Instruction]:
        """This instruction and, for ONBUILD, the one it wraps."""
        yield self
        if self.onbuild is not None:
            yield from self.onbuild.walk()


Node = Instruction | Trivia


_INSTRUCTION_SETTERS = slot_setters(
    Instruction, "keyword", "keyword_as_written", "line", "start_line", "end_line", "start_column",
    "end_column", "source_range", "flags", "arguments", "is_exec_form", "heredocs", "onbuild", "comments",
    "index", "content_end", "offsets", "_parsed_flags", "keyword_span", "flag_spans", "arguments_span",
)  # fmt: skip


class Dockerfile:
    """A parsed Dockerfile: the lossless node sequence plus its semantic `Build` (computed on first use)."""

    __slots__ = (
        "_build",
        "_source",
        "directives",
        "escape",
        "has_bom",
        "has_final_newline",
        "instructions",
        "newline",
        "nodes",
        "path",
        "text",
    )

    def __init__(
        self,
        *,
        text: str,
        path: str | None,
        nodes: tuple[Node, ...],
        directives: Directives,
    ) -> None:
        self.text = text
        self.path = path
        self.nodes = nodes
        self.instructions: tuple[Instruction, ...] = tuple(n for n in nodes if isinstance(n, Instruction))
        self.directives = directives
        self.escape = directives.escape
        self.has_bom = text.startswith("\ufeff")
        self.has_final_newline = text.endswith("\n")
        crlf = text.count("\r\n")
        self.newline = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"
        self._source: SourceText | None = None
        self._build: Build | None = None

    def render(self) -> str:
        """The source text, rebuilt from the nodes; equal to the parsed text byte for byte."""
        text = self.text
        return "".join(text[node.source_range.start : node.source_range.end] for node in self.nodes)

    @property
    def source(self) -> SourceText:
        """The text with a line index, for turning offsets into positions."""
        if self._source is None:
            self._source = SourceText(self.path or "<string>", self.text)
        return self._source

    def position(self, offset: int) -> Position:
        return self.source.position(offset)

    def instruction_at_line(self, line: int) -> Instruction | None:
        """The top-level instruction whose lines include 1-based `line`."""
        starts = [instruction.start_line for instruction in self.instructions]
        index = bisect.bisect_right(starts, line) - 1
        if index >= 0 and self.instructions[index].end_line >= line:
            return self.instructions[index]
        return None

    def word(self, text: str) -> str:
        """An argument as BuildKit reads it once its quotes and escapes are removed (`"/etc/app/"` is
        `/etc/app/`), with `$VARIABLE` references left as written; the text itself where BuildKit's
        lexer cannot read it."""
        if "'" not in text and '"' not in text and self.escape not in text:
            return text
        from dockwise.dockerfile.lexer import ExpansionError, Lexer

        try:
            return Lexer(self.escape, skip_unset=True).process(text).text
        except ExpansionError:
            return text

    @property
    def triggers(self) -> tuple[Instruction, ...]:
        """The instructions ONBUILD registers for child builds (not the ones a child build refuses)."""
        return tuple(
            i.onbuild
            for i in self.instructions
            if i.onbuild is not None and i.onbuild.keyword not in ("ONBUILD", "FROM", "MAINTAINER")
        )

    def as_child_build(self) -> Dockerfile:
        """This file with every ONBUILD trigger in place of its ONBUILD, as the instruction it becomes when a
        child image is built (its positions are the trigger's). For rules only: `render()` does not tile."""
        triggers = {id(trigger) for trigger in self.triggers}
        nodes = tuple(
            node.onbuild
            if isinstance(node, Instruction) and node.onbuild is not None and id(node.onbuild) in triggers
            else node
            for node in self.nodes
        )
        return Dockerfile(text=self.text, path=self.path, nodes=nodes, directives=self.directives)

    @property
    def build(self) -> Build:
        """The semantic model: stages, ARG/ENV scopes, the stage graph."""
        if self._build is None:
            from dockwise.dockerfile.build import Build

            self._build = Build(self)
        return self._build

    def forget_build(self) -> None:
        """Drop the cached Build, which points back at this Dockerfile: without that cycle the whole parse
        tree is freed as soon as nothing uses it, not at the garbage collector's next full pass."""
        self._build = None

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The build stages, in order (shorthand for `build.stages`)."""
        return self.build.stages

    def __repr__(self) -> str:
        return f"<Dockerfile {self.path or '<string>'}: {len(self.instructions)} instructions>"
