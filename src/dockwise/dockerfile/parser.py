"""Parse Dockerfile text into the lossless tree, agreeing with BuildKit's parser line for line.

BuildKit reads a Dockerfile line by line: parser directives in the leading comments, then logical lines
made of continued physical lines (comment lines and blank lines inside a continuation are dropped), then,
for RUN/COPY/ADD, the heredoc bodies that follow. This module follows those steps, keeping for every piece
the source offsets it came from, so that line numbers match BuildKit's and the tree renders losslessly.
The tests compare it with BuildKit's own parser on thousands of real files.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass

from dockwise.diagnostics import TextRange
from dockwise.dockerfile.lexer import GO_SPACE, Lexer
from dockwise.dockerfile.tree import (
    KNOWN_INSTRUCTIONS,
    Directive,
    Directives,
    Dockerfile,
    Heredoc,
    Instruction,
    Node,
    Trivia,
)
from dockwise.errors import DockerfileSyntaxError

MAX_LINE_BYTES = 65535
"""BuildKit scans with a 64 KiB buffer: a longer line (without its newline) is an error."""

_DIRECTIVE = re.compile(r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*")
_VALID_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_COMMAND_SPLIT = re.compile(r"[\t\v\f\r ]+")
_HEREDOC_MARKER = re.compile(r"([0-9]*)<<(-?)([^<]*)", re.DOTALL)
#: BuildKit scans flags and HEALTHCHECK types byte by byte with unicode.IsSpace; in valid UTF-8 text only the
#: ASCII spaces can match there (0x85 and 0xA0 occur only inside multi-byte characters, which dockwise keeps whole).
_BYTE_SPACE = frozenset("\t\n\v\f\r ")
_HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
_JSON_KEYWORDS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL"})
_JSON_LIST_KEYWORDS = frozenset({"ADD", "COPY", "VOLUME"})
_WORD_LIST_KEYWORDS = frozenset({"EXPOSE", "FROM"})
_STRING_KEYWORDS = frozenset({"MAINTAINER", "STOPSIGNAL", "USER", "WORKDIR"})


def parse(text: str, path: str | None = None) -> Dockerfile:
    """Parse a Dockerfile; raise `DockerfileSyntaxError` where BuildKit's parser would fail."""
    return _Parser(text, path).parse()


@dataclass(frozen=True, slots=True)
class _PhysicalLine:
    """One source line: where it starts, its content without "\\n", and where the next line starts."""

    start: int
    content: str
    end: int


@dataclass(slots=True)
class _Logical:
    """A logical line being assembled, with a map from its character indexes back to source offsets."""

    text: str
    segment_starts: list[int]
    segment_offsets: list[int]

    def offset(self, index: int) -> int:
        """The source offset of character `index` of the logical line (or just past its end)."""
        starts = self.segment_starts
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return self.segment_offsets[lo] + index - starts[lo]

    def range(self, start: int, end: int) -> TextRange:
        """The source range of logical characters `start` up to `end` (empty when `end <= start`)."""
        first = self.offset(start)
        if end <= start:
            return TextRange(first, first)
        return TextRange(first, max(first, self.offset(end - 1) + 1))


class _DirectiveScanner:
    """BuildKit's directive parser: directives only in the leading run of directive comments."""

    def __init__(self, parser: _Parser) -> None:
        self.parser = parser
        self.done = False
        self.found: list[Directive] = []
        self.escape = "\\"

    def feed(self, token: str, line: int, offset: int) -> None:
        if self.done:
            return
        match = _DIRECTIVE.fullmatch(token)
        if match is None:
            self.done = True
            return
        name = match.group(1).lower()
        if name not in _VALID_DIRECTIVES:
            self.done = True
            return
        if any(directive.name == name for directive in self.found):
            raise self.parser.error(f"only one {name} parser directive can be used", line)
        value = match.group(2)
        if name == "escape":
            if value not in ("`", "\\"):
                raise self.parser.error(f"invalid escape token '{value}' does not match ` or \\", line)
            self.escape = value
        self.found.append(Directive(name, value, line, TextRange(offset, offset + len(token))))


class _Parser:
    def __init__(self, text: str, path: str | None) -> None:
        self.text = text
        self.path = path
        self.lines = self._split_lines(text)
        self.directives = _DirectiveScanner(self)

    def error(self, message: str, line: int, column: int = 1, end_line: int | None = None) -> DockerfileSyntaxError:
        return DockerfileSyntaxError(message, path=self.path, line=line, column=column, end_line=end_line)

    def _split_lines(self, text: str) -> list[_PhysicalLine]:
        lines: list[_PhysicalLine] = []
        start = 0
        length = len(text)
        find = text.find
        while start < length:
            newline = find("\n", start)
            end = length if newline == -1 else newline
            content = text[start:end]
            if len(content) * 4 > MAX_LINE_BYTES and len(content.encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES:
                raise self.error(
                    f"line is longer than BuildKit's limit of {MAX_LINE_BYTES} bytes", len(lines) + 1
                )
            lines.append(_PhysicalLine(start, content, length if newline == -1 else newline + 1))
            start = end + 1
        return lines

    @staticmethod
    def _scanned(content: str) -> str:
        """What Go's line scanner yields for a line: one trailing carriage return dropped."""
        return content[:-1] if content.endswith("\r") else content

    def _trim_continuation(self, text: str) -> tuple[str, bool]:
        """Remove a trailing escape character (and blanks after it); True when the line is complete.

        As in BuildKit, an escape preceded by another escape (`a\\\\`) does not continue the line.
        """
        escape = self.directives.escape
        stripped = text.rstrip(" \t")
        if stripped.endswith(escape) and not stripped.endswith(escape * 2):
            return stripped[:-1], False
        return text, True

    def parse(self) -> Dockerfile:
        nodes: list[Node] = []
        lines = self.lines
        count = len(lines)
        index = 0
        comments: list[str] = []
        instruction_count = 0
        while index < count:
            physical = lines[index]
            content = physical.content
            skip = 0
            if index == 0 and content.startswith("\ufeff"):
                content = content[1:]
                skip = 1
            scanned = self._scanned(content)
            if scanned.lstrip(GO_SPACE).startswith("#"):
                comment = scanned[1:].strip(GO_SPACE)
                if comment:
                    comments.append(comment)
                else:
                    comments = []
            token = scanned.rstrip("\r\n")
            stripped = token.lstrip(GO_SPACE)
            lead = skip + len(token) - len(stripped)
            line_number = index + 1
            self.directives.feed(stripped, line_number, physical.start + lead)
            index += 1
            is_comment = stripped.startswith("#")
            first = "" if is_comment else stripped
            first, complete = self._trim_continuation(first)
            if complete and not first:
                kind = "blank" if not stripped else "comment"
                if is_comment and self.directives.found and self.directives.found[-1].line == line_number:
                    kind = "directive"
                nodes.append(Trivia(kind, line_number, TextRange(physical.start, physical.end)))
                continue
            start_line = line_number
            logical = _Logical(first, [0], [physical.start + lead])
            pieces = [first]
            length = len(first)
            while not complete and index < count:
                physical = lines[index]
                scanned = self._scanned(physical.content)
                token = scanned.rstrip("\r\n")
                self.directives.feed(token, index + 1, physical.start)
                index += 1
                if scanned.lstrip(GO_SPACE).startswith("#"):
                    continue
                if not token.lstrip(GO_SPACE):
                    continue
                token, complete = self._trim_continuation(token)
                logical.segment_starts.append(length)
                logical.segment_offsets.append(physical.start)
                pieces.append(token)
                length += len(token)
            logical.text = "".join(pieces)
            instruction, index = self._instruction(
                logical, start_line, index, tuple(comments), instruction_count, lines[start_line - 1].start
            )
            nodes.append(instruction)
            instruction_count += 1
            comments = []
        if not instruction_count:
            raise self.error("file with no instructions", max(count, 1))
        found = self.directives.found
        return Dockerfile(
            text=self.text,
            path=self.path,
            nodes=tuple(nodes),
            directives=Directives(
                syntax=next((d.value for d in found if d.name == "syntax"), None),
                escape=self.directives.escape,
                check=next((d.value for d in found if d.name == "check"), None),
                all=tuple(found),
            ),
        )

    def _instruction(
        self,
        logical: _Logical,
        start_line: int,
        next_index: int,
        comments: tuple[str, ...],
        position: int,
        source_start: int,
    ) -> tuple[Instruction, int]:
        """Build the instruction for a logical line, then read its heredoc bodies from the lines after it."""
        end_line = next_index
        parts = self._split_command(logical, 0, start_line, end_line)
        heredocs: list[Heredoc] = []
        target = parts.onbuild or parts
        if target.keyword in _HEREDOC_KEYWORDS and not target.is_exec_form and "<<" in logical.text:
            for name, strip_tabs, expand, descriptor in self._heredoc_markers(logical.text, start_line, end_line):
                heredoc, next_index = self._read_heredoc(
                    name, strip_tabs, expand, descriptor, next_index, start_line
                )
                heredocs.append(heredoc)
            end_line = next_index
        last = self.lines[end_line - 1]
        content_end = last.start + len(last.content)
        if content_end > last.start and self.text[content_end - 1] == "\r":
            content_end -= 1
        end_column = content_end - last.start + 1
        if end_line == 1 and self.text.startswith("\ufeff"):
            end_column -= 1
        onbuild = None
        if parts.onbuild is not None:
            inner_start = parts.onbuild.keyword_range.start
            onbuild = parts.onbuild.to_instruction(
                start_line, end_line, end_column, content_end, tuple(heredocs), self,
                source_range=TextRange(inner_start, max(inner_start, content_end)), comments=(), index=position,
            )  # fmt: skip
        instruction = parts.to_instruction(
            start_line, end_line, end_column, content_end, tuple(heredocs), self,
            source_range=TextRange(source_start, self.lines[end_line - 1].end), comments=comments,
            index=position, onbuild=onbuild,
        )  # fmt: skip
        return instruction, next_index

    def _split_command(self, logical: _Logical, base: int, start_line: int, end_line: int) -> _Parts:
        """BuildKit's splitCommand + dispatch for the logical line's text from index `base` on."""
        text = logical.text[base:]
        trimmed = text.strip(GO_SPACE)
        lead = base + len(text) - len(text.lstrip(GO_SPACE))
        split = _COMMAND_SPLIT.search(trimmed)
        if split is None:
            keyword_text, rest, rest_index = trimmed, "", lead + len(trimmed)
        else:
            keyword_text = trimmed[: split.start()]
            rest = trimmed[split.end() :]
            rest_index = lead + split.end()
        keyword = keyword_text.upper()
        keyword_range = logical.range(lead, lead + len(keyword_text))
        if keyword not in KNOWN_INSTRUCTIONS:
            column = self._column(keyword_range.start)
            if not keyword_text:
                raise self.error("instruction is empty", start_line, column, end_line)
            message = f"unknown instruction: {keyword_text}"
            suggestion = difflib.get_close_matches(keyword, sorted(KNOWN_INSTRUCTIONS), n=1, cutoff=0.6)
            if suggestion:
                message += f" (did you mean {suggestion[0].lower()}?)"
            raise self.error(message, start_line, column, end_line)
        flags, flag_spans, args_offset = _extract_flags(rest)
        args = rest[args_offset:].strip(GO_SPACE)
        args_index = rest_index + args_offset + len(rest[args_offset:]) - len(rest[args_offset:].lstrip(GO_SPACE))
        args_end = args_index + len(args)
        flag_ranges = tuple(logical.range(rest_index + start, rest_index + end) for start, end in flag_spans)
        arguments_range = logical.range(args_index, args_end)
        parts = _Parts(
            keyword=keyword,
            keyword_text=keyword_text,
            line=text,
            keyword_range=keyword_range,
            flags=tuple(flags),
            flag_ranges=flag_ranges,
            arguments=(),
            arguments_range=arguments_range,
            is_exec_form=False,
            onbuild=None,
        )
        try:
            if keyword == "ONBUILD":
                if args:
                    parts.onbuild = self._split_command(logical, args_index, start_line, end_line)
                    parts.arguments = parts.onbuild.arguments
                    parts.is_exec_form = parts.onbuild.is_exec_form
            else:
                parts.arguments, parts.is_exec_form = _dispatch(keyword, args, self.directives.escape)
        except _ArgumentError as error:
            raise self.error(str(error), start_line, self._column(keyword_range.start), end_line) from None
        return parts

    def _column(self, offset: int) -> int:
        line_start = self.text.rfind("\n", 0, offset) + 1
        column = offset - line_start + 1
        if line_start == 0 and self.text.startswith("\ufeff"):
            column -= 1
        return column

    def _heredoc_markers(self, line: str, start_line: int, end_line: int) -> list[tuple[str, bool, bool, int]]:
        """BuildKit's heredocsFromLine: every word shaped `[n]<<[-]WORD`, in order."""
        markers = []
        for word in Lexer("\\", raw_quotes=True, raw_escapes=True, skip_unset=True).words(line):
            match = _HEREDOC_MARKER.fullmatch(word)
            if match is None or not match.group(3):
                continue
            rest = match.group(3)
            try:
                plain = Lexer("\\", skip_unset=True).process(rest).words
                raw = Lexer("\\", skip_unset=True, raw_quotes=True).process(rest).words
            except ValueError as error:
                raise self.error(str(error), start_line, end_line=end_line) from None
            if len(plain) != 1:
                continue
            if len(raw) != len(plain):
                raise self.error(f"internal lexing of heredoc produced inconsistent results: {rest}", start_line)
            expand = plain[0].count("'") + plain[0].count('"') == raw[0].count("'") + raw[0].count('"')
            descriptor = int(match.group(1)) if match.group(1) and len(match.group(1)) < 20 else 0
            markers.append((plain[0], match.group(2) == "-", expand, descriptor))
        return markers

    def _read_heredoc(
        self, name: str, strip_tabs: bool, expand: bool, descriptor: int, index: int, start_line: int
    ) -> tuple[Heredoc, int]:
        body_start = self.lines[index].start if index < len(self.lines) else len(self.text)
        content: list[str] = []
        while index < len(self.lines):
            physical = self.lines[index]
            index += 1
            scanned = self._scanned(physical.content)
            candidate = scanned.rstrip("\r\n")
            if strip_tabs:
                candidate = candidate.lstrip("\t")
            if candidate == name:
                end = physical.start + len(physical.content)
                return (
                    Heredoc(name, "".join(content), strip_tabs, expand, descriptor, TextRange(body_start, end)),
                    index,
                )
            content.append(scanned + "\n")
        raise self.error(f"unterminated heredoc {name!r}", start_line, end_line=len(self.lines))


@dataclass(slots=True)
class _Parts:
    """The pieces of one instruction before line and heredoc information is known."""

    keyword: str
    keyword_text: str
    line: str
    keyword_range: TextRange
    flags: tuple[str, ...]
    flag_ranges: tuple[TextRange, ...]
    arguments: tuple[str, ...]
    arguments_range: TextRange
    is_exec_form: bool
    onbuild: _Parts | None

    def to_instruction(
        self,
        start_line: int,
        end_line: int,
        end_column: int,
        content_end: int,
        heredocs: tuple[Heredoc, ...],
        parser: _Parser,
        *,
        source_range: TextRange,
        comments: tuple[str, ...],
        index: int,
        onbuild: Instruction | None = None,
    ) -> Instruction:
        start = self.keyword_range.start
        return Instruction(
            keyword=self.keyword,
            keyword_as_written=self.keyword_text,
            line=self.line,
            start_line=start_line,
            end_line=end_line,
            start_column=parser._column(start),
            end_column=end_column,
            range=TextRange(start, max(start, content_end)),
            source_range=source_range,
            keyword_range=self.keyword_range,
            flags=self.flags,
            flag_ranges=self.flag_ranges,
            arguments=self.arguments,
            arguments_range=self.arguments_range,
            is_exec_form=self.is_exec_form,
            heredocs=heredocs,
            onbuild=onbuild,
            comments=comments,
            index=index,
        )


class _ArgumentError(ValueError):
    """An argument list BuildKit's parser rejects (ENV without a value, a JSON array of non-strings)."""


def _extract_flags(rest: str) -> tuple[list[str], list[tuple[int, int]], int]:
    """BuildKit's extractBuilderFlags: leading `--name[=value]` words (quotes and `\\` processed).

    Returns the flag strings, their (start, end) indexes in `rest`, and where the arguments begin.
    """
    flags: list[str] = []
    spans: list[tuple[int, int]] = []
    length = len(rest)
    pos = 0
    while True:
        while pos < length and rest[pos] in _BYTE_SPACE:
            pos += 1
        if pos >= length:
            return flags, spans, length
        if not rest.startswith("--", pos):
            return flags, spans, pos
        start = pos
        word: list[str] = []
        blank_ok = False
        quote = ""
        while pos < length:
            ch = rest[pos]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "\\":
                    if pos + 1 == length:
                        pos += 1
                        break
                    pos += 1
                    word.append(rest[pos])
                else:
                    word.append(ch)
                pos += 1
                continue
            if ch in _BYTE_SPACE:
                break
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
            elif ch == "\\":
                if pos + 1 < length:
                    pos += 1
                    word.append(rest[pos])
            else:
                word.append(ch)
            pos += 1
        text = "".join(word)
        if text == "--":
            return flags, spans, pos
        if blank_ok or text:
            flags.append(text)
            spans.append((start, pos))
        if pos >= length:
            return flags, spans, length


def _dispatch(keyword: str, args: str, escape: str) -> tuple[tuple[str, ...], bool]:
    """BuildKit's per-instruction argument parsing: (argument list, is JSON form)."""
    if keyword in _JSON_KEYWORDS:
        return _maybe_json(args)
    if keyword in _JSON_LIST_KEYWORDS:
        parsed = _json_array(args)
        if parsed is not None:
            return parsed, True
        return _whitespace_words(args), False
    if keyword in _WORD_LIST_KEYWORDS:
        return _whitespace_words(args), False
    if keyword in _STRING_KEYWORDS:
        return ((args,) if args else ()), False
    if keyword in ("ENV", "LABEL"):
        return _name_values(args, keyword, escape), False
    if keyword == "ARG":
        return tuple(_words(args, escape)), False
    if keyword == "HEALTHCHECK":
        return _healthcheck(args)
    raise AssertionError(f"no argument parser for {keyword}")  # pragma: no cover - KNOWN_INSTRUCTIONS


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_JSON_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _json_array(args: str) -> tuple[str, ...] | None:
    """The strings of a JSON array, None when `args` is not JSON, an error for a non-string element.

    BuildKit decodes the first JSON value and ignores what follows it, so `CMD ["app"] # note` is exec form.
    """
    if not args.startswith("["):
        return None
    try:
        value, _ = _JSON_DECODER.raw_decode(args)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(item, str) for item in value):
        raise _ArgumentError("when using JSON array syntax, arrays must be comprised of strings only")
    return tuple(value)


def _maybe_json(args: str) -> tuple[tuple[str, ...], bool]:
    if not args:
        return (), False
    parsed = _json_array(args)
    if parsed is not None:
        return parsed, True
    return (args,), False


def _whitespace_words(args: str) -> tuple[str, ...]:
    if not args:
        return ()
    return tuple(_COMMAND_SPLIT.split(args))


def _healthcheck(args: str) -> tuple[tuple[str, ...], bool]:
    sep = 0
    while sep < len(args) and args[sep] not in _BYTE_SPACE:
        sep += 1
    if sep == 0:
        return (), False
    following = sep
    while following < len(args) and args[following] in _BYTE_SPACE:
        following += 1
    command, is_json = _maybe_json(args[following:])
    return (args[:sep], *command), is_json


def _words(rest: str, escape: str) -> list[str]:
    """BuildKit's parseWords: whitespace-separated words, quotes and escapes kept as written."""
    words: list[str] = []
    word: list[str] = []
    in_word = False
    blank_ok = False
    quote = ""
    index = 0
    length = len(rest)
    while index < length:
        ch = rest[index]
        if not in_word:
            if ch in GO_SPACE:
                index += 1
                continue
            in_word = True
        if quote:
            if ch == quote:
                quote = ""
            if ch == escape and quote != "'":
                if index + 1 == length:
                    index += 1
                    continue
                word.append(ch)
                index += 1
                ch = rest[index]
            word.append(ch)
            index += 1
            continue
        if ch in GO_SPACE:
            in_word = False
            if blank_ok or word:
                words.append("".join(word))
            word = []
            blank_ok = False
            index += 1
            continue
        if ch in ("'", '"'):
            quote = ch
            blank_ok = True
        if ch == escape:
            if index + 1 == length:
                index += 1
                continue
            word.append(ch)
            index += 1
            ch = rest[index]
        word.append(ch)
        index += 1
    if in_word and (blank_ok or word):
        words.append("".join(word))
    return words


def _name_values(rest: str, keyword: str, escape: str) -> tuple[str, ...]:
    """ENV and LABEL: `name=value ...` pairs, or the legacy `name value` (one pair)."""
    words = _words(rest, escape)
    if not words:
        return ()
    if "=" not in words[0]:
        parts = _COMMAND_SPLIT.split(rest, maxsplit=1)
        if len(parts) < 2:
            raise _ArgumentError(f"{keyword} must have two arguments")
        return parts[0], parts[1]
    pairs: list[str] = []
    for word in words:
        if "=" not in word:
            raise _ArgumentError(
                f"Syntax error - can't find = in {json.dumps(word)}. Must be of the form: name=value"
            )
        name, value = word.split("=", 1)
        pairs += (name, value)
    return tuple(pairs)
