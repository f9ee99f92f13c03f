"""The commands a RUN instruction runs, read with a real shell parser (tree-sitter-bash).

Rules about package managers, `cd`, `sudo` or `curl | sh` need to know which commands run and with which
arguments, through `&&`, `;`, pipes, subshells, quoting and heredoc bodies. Regular expressions over the
raw text get that wrong (a `--no-cache` inside a quoted string, an `apt-get` in a comment); tree-sitter-bash
is a maintained grammar with Python wheels, so dockwise parses instead.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from dockwise.diagnostics import TextRange

if TYPE_CHECKING:
    from dockwise.dockerfile.tree import Instruction

#: Shells whose language tree-sitter-bash reads (a SHELL of powershell or cmd is not analysed).
POSIX_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"})
_STATIC_NODES = frozenset({"word", "number"})


@dataclass(frozen=True, slots=True)
class ShellWord:
    """One word of a command: as written, its value when it has no expansion, and where it is."""

    text: str
    value: str | None
    """The word after quote removal; None when it depends on a variable or command substitution."""
    range: TextRange


@dataclass(frozen=True, slots=True)
class ShellCommand:
    """A simple command: `apt-get install -y curl` (environment assignments in front are left out)."""

    words: tuple[ShellWord, ...]
    range: TextRange

    @property
    def name(self) -> str | None:
        """The program's base name (`apt-get` for `/usr/bin/apt-get`), None when it is not static."""
        value = self.words[0].value if self.words else None
        return posixpath.basename(value) if value else value

    @property
    def arguments(self) -> tuple[ShellWord, ...]:
        return self.words[1:]

    def values(self) -> list[str]:
        """The static argument values (dynamic words left out)."""
        return [word.value for word in self.arguments if word.value is not None]


@dataclass(frozen=True, slots=True)
class _ParsedCommand:
    """A command found in a script, with offsets into that script's text."""

    words: tuple[tuple[str, str | None, int, int], ...]
    start: int
    end: int


def commands_of(
    instruction: Instruction, shell: tuple[str, ...] = ("/bin/sh", "-c")
) -> tuple[ShellCommand, ...]:
    """The simple commands a RUN runs, in order: from its shell-form line and from its heredoc bodies.

    Exec-form RUN is one command of static words. With a non-POSIX `shell` nothing is analysed.
    """
    if instruction.keyword != "RUN" or not instruction.arguments:
        return ()
    if instruction.is_exec_form:
        span = instruction.arguments_range
        words = tuple(ShellWord(argument, argument, span) for argument in instruction.arguments)
        return (ShellCommand(words, span),)
    if not shell or posixpath.basename(shell[0]).removesuffix(".exe") not in POSIX_SHELLS:
        return ()
    offsets = instruction.offsets
    base = instruction.arguments_span[0]
    found = [
        _located(parsed, lambda start, end: offsets.range(base + start, base + end))
        for parsed in _parse(instruction.arguments[0])
    ]
    # `RUN <<EOF` (or `RUN bash <<EOF`) runs the body as a script; `RUN cat <<EOF >/etc/x` writes data.
    if any(command.name not in POSIX_SHELLS for command in found):
        return tuple(found)
    for heredoc in instruction.heredocs:
        body = heredoc.effective_content
        if not _runs_as_shell(body):
            continue
        start = heredoc.body_range.start
        if heredoc.strip_tabs:
            # With `<<-` leading tabs are removed, so body offsets no longer match the source: report
            # such commands at the whole body.
            whole = heredoc.body_range
            found.extend(_located(parsed, lambda _s, _e, w=whole: w) for parsed in _parse(body))
        else:
            found.extend(_located(p, lambda s, e, b=start: TextRange(b + s, b + e)) for p in _parse(body))
    return tuple(found)


def _runs_as_shell(body: str) -> bool:
    """A heredoc body is a shell script unless its shebang names another interpreter."""
    if not body.startswith("#!"):
        return True
    interpreter = body[2:].split("\n", 1)[0].split()
    if not interpreter:
        return True
    program = posixpath.basename(interpreter[0])
    if program == "env" and len(interpreter) > 1:
        program = posixpath.basename(interpreter[1])
    return program in POSIX_SHELLS


def _located(parsed: _ParsedCommand, to_range: Any) -> ShellCommand:
    words = tuple(ShellWord(text, value, to_range(start, end)) for text, value, start, end in parsed.words)
    return ShellCommand(words, to_range(parsed.start, parsed.end))


@lru_cache(maxsize=4096)
def _parse(script: str) -> tuple[_ParsedCommand, ...]:
    """Every simple command of a script, with character offsets (cached: corpora repeat scripts)."""
    data = script.encode("utf-8", "surrogatepass")
    tree = _parser().parse(data)
    # tree-sitter counts bytes; rules and ranges count characters.
    to_char = _byte_to_char(script, data)
    return tuple(_commands(tree.root_node, data, to_char))


def _byte_to_char(script: str, data: bytes) -> Any:
    if len(data) == len(script):
        return lambda offset: offset
    table = [0] * (len(data) + 1)
    position = 0
    for index, char in enumerate(script):
        width = len(char.encode("utf-8", "surrogatepass"))
        for _ in range(width):
            table[position] = index
            position += 1
    table[position] = len(script)
    return table.__getitem__


def _commands(node: Any, data: bytes, to_char: Any) -> Iterator[_ParsedCommand]:
    if node.type == "command":
        words = []
        for child in node.children:
            if child.type == "variable_assignment" or child.type.startswith("file_redirect"):
                continue
            target = child.children[0] if child.type == "command_name" and child.children else child
            text = data[target.start_byte : target.end_byte].decode("utf-8", "surrogatepass")
            words.append(
                (text, _static_value(target, data), to_char(target.start_byte), to_char(target.end_byte))
            )
        if words:
            yield _ParsedCommand(tuple(words), to_char(node.start_byte), to_char(node.end_byte))
    for child in node.children:
        yield from _commands(child, data, to_char)


def _static_value(node: Any, data: bytes) -> str | None:
    """The value of a word after quote removal, or None when it holds an expansion."""
    text = data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")
    if node.type in _STATIC_NODES:
        return _unescape(text)
    if node.type == "raw_string":
        return text[1:-1]
    if node.type == "string":
        if any(child.type not in ('"', "string_content") for child in node.children):
            return None
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\").replace("\\$", "$")
    if node.type == "concatenation":
        parts = [_static_value(child, data) for child in node.children]
        return None if any(part is None for part in parts) else "".join(p for p in parts if p is not None)
    return None


def _unescape(text: str) -> str:
    out = []
    index = 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            index += 1
        out.append(text[index])
        index += 1
    return "".join(out)


@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))
