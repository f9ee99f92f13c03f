"""Parse Dockerfile text into the lossless tree, agreeing with BuildKit's parser line for line.

BuildKit reads a Dockerfile line by line: parser directives in the leading comments, then logical lines
made of continued physical lines (comment lines and blank lines inside a continuation are dropped), then,
for RUN/COPY/ADD, the heredoc bodies that follow. This module follows those steps, keeping for every piece
the source offsets it came from, so that line numbers match BuildKit's and the tree renders losslessly.
The tests compare it with BuildKit's own parser on thousands of real files.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache

from dockwise.diagnostics import TextRange
from dockwise.dockerfile.lexer import GO_SPACE, GO_SPACE_CLASS, Lexer
from dockwise.dockerfile.tree import (
    KNOWN_INSTRUCTIONS,
    Directive,
    Directives,
    Dockerfile,
    Heredoc,
    Instruction,
    Node,
    OffsetMap,
    Trivia,
    TriviaKind,
)
from dockwise.errors import DockerfileSyntaxError
from dockwise.patterns import LazyPattern

MAX_LINE_BYTES = 65535
"""BuildKit scans with a 64 KiB buffer: a longer line (without its newline) is an error."""

_DIRECTIVE = re.compile(r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*")
_VALID_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_COMMAND_SPLIT = re.compile(r"[\t\v\f\r ]+")
_SPACE_RUN = re.compile(GO_SPACE_CLASS + "+")
_HEREDOC_MARKER = LazyPattern(r"([0-9]*)<<(-?)([^<]*)", re.DOTALL)
#: BuildKit scans flags and HEALTHCHECK types byte by byte with unicode.IsSpace; in valid UTF-8 only the ASCII
#: spaces can match there (0x85 and 0xA0 occur only inside multi-byte characters, which dockwise keeps whole).
_BYTE_SPACE = frozenset("\t\n\v\f\r ")
_HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
_JSON_KEYWORDS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL"})
_JSON_LIST_KEYWORDS = frozenset({"ADD", "COPY", "VOLUME"})
_WORD_LIST_KEYWORDS = frozenset({"EXPOSE", "FROM"})
_STRING_KEYWORDS = frozenset({"MAINTAINER", "STOPSIGNAL", "USER", "WORKDIR"})


def parse(text: str, path: str | None = None) -> Dockerfile:
    """Parse a Dockerfile; raise `DockerfileSyntaxError` where BuildKit's parser would fail."""
    return _Parser(text, path).parse()


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
        self.has_bom = text.startswith("\ufeff")
        self.contents, self.starts = self._split_lines(text)
        self.directives = _DirectiveScanner(self)

    def error(
        self, message: str, line: int, column: int = 1, end_line: int | None = None
    ) -> DockerfileSyntaxError:
        return DockerfileSyntaxError(message, path=self.path, line=line, column=column, end_line=end_line)

    def _split_lines(self, text: str) -> tuple[list[str], list[int]]:
        """The physical lines (without "\\n") and where each starts, as Go's line scanner sees them."""
        contents = text.split("\n")
        if contents[-1] == "":
            contents.pop()
        starts = [0] * (len(contents) + 1)
        position = 0
        for number, content in enumerate(contents):
            starts[number] = position
            position += len(content) + 1
            if (
                len(content) * 4 > MAX_LINE_BYTES
                and len(content.encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES
            ):
                raise self.error(
                    f"line is longer than BuildKit's limit of {MAX_LINE_BYTES} bytes", number + 1
                )
        starts[len(contents)] = len(text)
        return contents, starts

    def parse(self) -> Dockerfile:
        nodes: list[Node] = []
        contents, starts = self.contents, self.starts
        directives = self.directives
        count = len(contents)
        # Per-line work done in bulk: the text as Go's scanner and BuildKit's trimming see it, and the last
        # two non-blank characters, which decide whether the line continues.
        tokens = [content.rstrip("\r") for content in contents]
        if self.has_bom and tokens:
            tokens[0] = tokens[0][1:]
        stripped_lines = [token.lstrip(GO_SPACE) for token in tokens]
        endings = [token.rstrip(" \t")[-2:] for token in tokens]
        index = 0
        comments: list[str] = []
        instruction_count = 0
        while index < count:
            stripped = stripped_lines[index]
            start = starts[index]
            line_number = index + 1
            index += 1
            bom = 1 if line_number == 1 and self.has_bom else 0
            lead = start + bom + len(tokens[index - 1]) - len(stripped)
            if not directives.done:
                directives.feed(stripped, line_number, lead)
            if not stripped:
                nodes.append(Trivia("blank", line_number, start, starts[index]))
                continue
            if stripped[0] == "#":
                comment = tokens[index - 1][1:].strip(GO_SPACE)
                kind: TriviaKind = "comment"
                if directives.found and directives.found[-1].line == line_number:
                    kind = "directive"  # BuildKit leaves directives out of the comments above an instruction
                elif comment:
                    comments.append(comment)
                else:
                    comments = []
                nodes.append(Trivia(kind, line_number, start, starts[index]))
                continue
            escape = directives.escape
            ending = endings[index - 1]
            if ending[-1:] == escape and ending[:-1] != escape:
                first = stripped.rstrip(" \t")[:-1]
                complete = False
            else:
                first = stripped
                complete = True
            start_line = line_number
            offsets = OffsetMap([0], [lead])
            pieces = [first]
            length = len(first)
            while not complete and index < count:
                if not directives.done:
                    directives.feed(tokens[index], index + 1, starts[index])
                stripped = stripped_lines[index]
                index += 1
                if not stripped or stripped[0] == "#":
                    continue
                token = tokens[index - 1]
                ending = endings[index - 1]
                if ending[-1:] == escape and ending[:-1] != escape:
                    token = token.rstrip(" \t")[:-1]
                else:
                    complete = True
                offsets.segment_starts.append(length)
                offsets.segment_offsets.append(starts[index - 1])
                pieces.append(token)
                length += len(token)
            instruction, index = self._instruction(
                "".join(pieces), offsets, start_line, index, tuple(comments), instruction_count,
                starts[start_line - 1],
            )  # fmt: skip
            nodes.append(instruction)
            instruction_count += 1
            comments = []
        if not instruction_count:
            raise self.error("file with no instructions", max(count, 1))
        found = directives.found
        return Dockerfile(
            text=self.text,
            path=self.path,
            nodes=tuple(nodes),
            directives=Directives(
                syntax=next((d.value for d in found if d.name == "syntax"), None),
                escape=directives.escape,
                check=next((d.value for d in found if d.name == "check"), None),
                all=tuple(found),
            ),
        )

    def _instruction(
        self,
        line: str,
        offsets: OffsetMap,
        start_line: int,
        next_index: int,
        comments: tuple[str, ...],
        position: int,
        source_start: int,
    ) -> tuple[Instruction, int]:
        """Build the instruction for a logical line, then read its heredoc bodies from the lines after it."""
        end_line = next_index
        key = (line, self.directives.escape)
        parts = _SPLIT_LINES.get(key)
        if parts is None:
            parts = self._split_command(line, offsets, 0, start_line, end_line)
            if len(_SPLIT_LINES) >= _SPLIT_LINES_KEPT:
                _SPLIT_LINES.clear()
            _SPLIT_LINES[key] = parts
        heredocs: tuple[Heredoc, ...] = ()
        target = parts.onbuild or parts
        if target.keyword in _HEREDOC_KEYWORDS and not target.is_exec_form and "<<" in line:
            found = []
            for name, strip_tabs, expand, descriptor in self._heredoc_markers(line, start_line, end_line):
                heredoc, next_index = self._read_heredoc(
                    name, strip_tabs, expand, descriptor, next_index, start_line
                )
                found.append(heredoc)
            heredocs = tuple(found)
            end_line = next_index
        last_start = self.starts[end_line - 1]
        content_end = last_start + len(self.contents[end_line - 1])
        if content_end > last_start and self.text[content_end - 1] == "\r":
            content_end -= 1
        end_column = content_end - last_start + 1
        if end_line == 1 and self.has_bom:
            end_column -= 1
        onbuild = None
        if parts.onbuild is not None:
            inner_start = offsets.offset(parts.onbuild.keyword_span[0])
            onbuild = parts.onbuild.to_instruction(
                start_line, end_line, end_column, content_end, heredocs, offsets, self._column(inner_start),
                TextRange(inner_start, max(inner_start, content_end)), (), position, None,
            )  # fmt: skip
        instruction = parts.to_instruction(
            start_line, end_line, end_column, content_end, heredocs, offsets,
            self._column(offsets.offset(parts.keyword_span[0])),
            TextRange(source_start, self.starts[end_line]), comments, position, onbuild,
        )  # fmt: skip
        return instruction, next_index

    def _split_command(
        self, line: str, offsets: OffsetMap, base: int, start_line: int, end_line: int
    ) -> _Parts:
        """BuildKit's splitCommand + dispatch for the logical line's text from index `base` on."""
        text = line[base:] if base else line
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
        keyword_span = (lead, lead + len(keyword_text))
        if keyword not in KNOWN_INSTRUCTIONS:
            column = self._column(offsets.offset(lead))
            if not keyword_text:
                raise self.error("instruction is empty", start_line, column, end_line)
            message = f"unknown instruction: {keyword_text}"
            import difflib  # only for this message: keeps start-up fast

            suggestion = difflib.get_close_matches(keyword, sorted(KNOWN_INSTRUCTIONS), n=1, cutoff=0.6)
            if suggestion:
                message += f" (did you mean {suggestion[0].lower()}?)"
            raise self.error(message, start_line, column, end_line)
        flag_spans: tuple[tuple[int, int], ...] = ()
        flags: tuple[str, ...] = ()
        if rest[:2] == "--":
            found_flags, spans, args_offset = _extract_flags(rest)
            flags = tuple(found_flags)
            flag_spans = tuple((rest_index + start, rest_index + end) for start, end in spans)
            remainder = rest[args_offset:]
            args = remainder.strip(GO_SPACE)
            args_index = rest_index + args_offset + len(remainder) - len(remainder.lstrip(GO_SPACE))
        else:
            args, args_index = rest, rest_index
        inner: _Parts | None = None
        arguments: tuple[str, ...] = ()
        is_exec_form = False
        try:
            if keyword != "ONBUILD":
                arguments, is_exec_form = _dispatch(keyword, args, self.directives.escape)
            elif args:
                inner = self._split_command(line, offsets, args_index, start_line, end_line)
                arguments, is_exec_form = inner.arguments, inner.is_exec_form
        except _ArgumentError as error:
            raise self.error(str(error), start_line, self._column(offsets.offset(lead)), end_line) from None
        arguments_span = (args_index, args_index + len(args))
        # An ONBUILD trigger keeps the whole logical line: its spans and offsets index that line.
        return _Parts(
            keyword, keyword_text, line, keyword_span, flags, flag_spans, arguments, arguments_span,
            is_exec_form, inner,
        )  # fmt: skip

    def _column(self, offset: int) -> int:
        line_start = self.text.rfind("\n", 0, offset) + 1
        column = offset - line_start + 1
        if line_start == 0 and self.has_bom:
            column -= 1
        return column

    def _heredoc_markers(
        self, line: str, start_line: int, end_line: int
    ) -> tuple[tuple[str, bool, bool, int], ...]:
        """BuildKit's heredocsFromLine: every word shaped `[n]<<[-]WORD`, in order."""
        try:
            return _heredoc_markers(line)
        except _MarkerError as error:
            raise self.error(str(error), start_line, end_line=end_line if error.spans else None) from None

    def _read_heredoc(
        self, name: str, strip_tabs: bool, expand: bool, descriptor: int, index: int, start_line: int
    ) -> tuple[Heredoc, int]:
        contents = self.contents
        body_start = self.starts[index]
        content: list[str] = []
        while index < len(contents):
            line = contents[index]
            index += 1
            scanned = line[:-1] if line[-1:] == "\r" else line
            candidate = line.rstrip("\r")
            if strip_tabs:
                candidate = candidate.lstrip("\t")
            if candidate == name:
                end = self.starts[index - 1] + len(line)
                return (
                    Heredoc(
                        name, "".join(content), strip_tabs, expand, descriptor, TextRange(body_start, end)
                    ),
                    index,
                )
            content.append(scanned + "\n")
        raise self.error(f"unterminated heredoc {name!r}", start_line, end_line=len(contents))


_SPLIT_LINES: dict[tuple[str, str], _Parts] = {}
"""Logical lines already split, by text and escape character. A split depends on nothing else (its spans
index the logical line, not the file), so the language server re-parsing a file after a keystroke splits
only the instruction that changed, and a corpus splits its common lines (`WORKDIR /app`) once."""
_SPLIT_LINES_KEPT = 8192


class _Parts:
    """The pieces of one instruction before line and heredoc information is known.

    Never changed once built (it is shared through `_SPLIT_LINES`). A plain slotted class: one is built
    per instruction, and a dataclass or a NamedTuple would cost more to build, and much more to create at
    import (0.24 ms for a NamedTuple of ten fields).
    """

    __slots__ = (
        "arguments",
        "arguments_span",
        "flag_spans",
        "flags",
        "is_exec_form",
        "keyword",
        "keyword_span",
        "keyword_text",
        "line",
        "onbuild",
    )

    def __init__(
        self,
        keyword: str,
        keyword_text: str,
        line: str,
        keyword_span: tuple[int, int],
        flags: tuple[str, ...],
        flag_spans: tuple[tuple[int, int], ...],
        arguments: tuple[str, ...],
        arguments_span: tuple[int, int],
        is_exec_form: bool,
        onbuild: _Parts | None,
    ) -> None:
        self.keyword = keyword
        self.keyword_text = keyword_text
        self.line = line
        self.keyword_span = keyword_span
        self.flags = flags
        self.flag_spans = flag_spans
        self.arguments = arguments
        self.arguments_span = arguments_span
        self.is_exec_form = is_exec_form
        self.onbuild = onbuild

    def to_instruction(
        self,
        start_line: int,
        end_line: int,
        end_column: int,
        content_end: int,
        heredocs: tuple[Heredoc, ...],
        offsets: OffsetMap,
        start_column: int,
        source_range: TextRange,
        comments: tuple[str, ...],
        index: int,
        onbuild: Instruction | None,
    ) -> Instruction:
        # Positional arguments in field order, here and by the callers: keyword arguments make a call of
        # this many arguments twice as slow.
        return Instruction(
            self.keyword, self.keyword_text, self.line, start_line, end_line, start_column, end_column,
            source_range, self.flags, self.arguments, self.is_exec_form, heredocs, onbuild, comments, index,
            content_end, offsets, self.keyword_span, self.flag_spans, self.arguments_span,
        )  # fmt: skip


class _MarkerError(ValueError):
    """A heredoc marker BuildKit's lexer fails on; `spans`: the error names the instruction's last line."""

    def __init__(self, message: str, spans: bool) -> None:
        super().__init__(message)
        self.spans = spans


@lru_cache(maxsize=1024)
def _heredoc_markers(line: str) -> tuple[tuple[str, bool, bool, int], ...]:
    """The heredoc markers of a logical line: name, `<<-`, whether the body expands, file descriptor.
    Cached by the line's text, as the line's split is (`_SPLIT_LINES`): every keystroke re-parses the file."""
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
            raise _MarkerError(str(error), spans=True) from None
        if len(plain) != 1:
            continue
        if len(raw) != len(plain):
            raise _MarkerError(
                f"internal lexing of heredoc produced inconsistent results: {rest}", spans=False
            )
        expand = plain[0].count("'") + plain[0].count('"') == raw[0].count("'") + raw[0].count('"')
        descriptor = int(match.group(1)) if match.group(1) and len(match.group(1)) < 20 else 0
        markers.append((plain[0], match.group(2) == "-", expand, descriptor))
    return tuple(markers)


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
    if "'" not in rest and '"' not in rest and escape not in rest:
        return [word for word in _SPACE_RUN.split(rest) if word]
    fast = _words_by_pattern(rest, escape)
    if fast is not None:
        return fast
    return _words_by_loop(rest, escape)


def _words_by_loop(rest: str, escape: str) -> list[str]:
    """`_words` character by character, as BuildKit's loop (unclosed quotes, a trailing escape)."""
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


@cache
def _word_token(escape: str) -> re.Pattern[str]:
    """One token of `_words` on well-formed text: a run of blanks (group `blank`), a run of plain characters,
    an escaped character, or a closed quoted string.

    No quantifier here nests another that can match the same text, so a match, or its failure on an
    unclosed quote, takes time linear in what it reads: the expression this replaced, `(?:word blanks)*`
    with words made of `(?:plain|escape|quoted)+`, backtracked exponentially on `O'Reilly` and hung the
    parser."""
    e = re.escape(escape)
    space = re.escape(GO_SPACE)
    return re.compile(
        rf"(?P<blank>[{space}]+)|[^{space}'\"{e}]+|{e}.|\"(?:[^\"{e}]|{e}.)*\"|'[^']*'", re.DOTALL
    )


def _words_by_pattern(rest: str, escape: str) -> list[str] | None:
    """`_words` for well-formed text (closed quotes, no trailing escape), token by token; None when a token
    cannot be read there and the loop must decide. Linear: each token is matched once, from where the last
    one ended, and the first failure ends the scan."""
    token = _word_token(escape)
    words: list[str] = []
    parts: list[str] = []
    position = 0
    length = len(rest)
    while position < length:
        match = token.match(rest, position)
        if match is None:
            return None
        position = match.end()
        if match.lastgroup == "blank":
            if parts:
                words.append("".join(parts))
                parts = []
        else:
            parts.append(match.group())
    if parts:
        words.append("".join(parts))
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
