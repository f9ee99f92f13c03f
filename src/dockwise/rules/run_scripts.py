"""The scripts a RUN hands to its shell, as BuildKit builds them, for ShellCheck (DW690).

The script handed to ShellCheck is the one the build runs. For a shell-form RUN that is BuildKit's logical
line (continuations joined with the escape character, `# escape=` included, comment lines inside them
dropped); for `RUN <<EOF` alone it is the heredoc body (run by its shebang's interpreter when it has
one); for a command with heredocs (`RUN bash <<EOF`, `RUN cat <<EOF >/etc/x`) it is the line followed
by each body and terminator, as BuildKit rebuilds it. In front go a shebang naming the shell (from
SHELL, or the heredoc's shebang) and one `export` line declaring what the build defines before the RUN,
so that ShellCheck does not call them unassigned (SC2154): the stage's ARG and ENV names (and those of
the stages it is built FROM), the proxy variables Docker passes to every build, and the `env=` of secret
mounts. Every finding is mapped back, character by character, to the Dockerfile's line and column.

This module needs no rule family, so that a lint of a few files can start ShellCheck on them before the
rules are imported (`dockwise.lint`).
"""

from __future__ import annotations

import posixpath
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from dockwise.diagnostics import TextRange
from dockwise.dockerfile.shell import nests_too_deep
from dockwise.dockerfile.tree import Instruction
from dockwise.patterns import LazyPattern
from dockwise.record import Record
from dockwise.rules._base import DockerfileContext

if TYPE_CHECKING:
    from dockwise.dockerfile.flags import Mount

#: Set for every build by Docker when the client has them (hadolint declares the same list).
_PROXY_VARIABLES = (
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
    "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
)  # fmt: skip
#: The shell ShellCheck is told to read (in the shebang), by the program SHELL or a shebang names.
_SHELL_DIALECTS = {"sh": "sh", "bash": "bash", "dash": "dash", "ksh": "ksh", "ash": "dash", "mksh": "ksh"}
_WINDOWS_SHELLS = frozenset({"pwsh", "powershell", "cmd"})
_DEFAULT_SHELL = ("/bin/sh", "-c")
_WINDOWS_IMAGE = LazyPattern(r"(?i)windows|nanoserver|servercore|ltsc20[0-9][0-9]")
_NAME = LazyPattern(r"[A-Za-z_][A-Za-z0-9_]*")
#: BuildKit's test for "the RUN line is just one heredoc marker" (then the body alone is the script).
_LONE_HEREDOC = LazyPattern(r"[0-9]*<<-?\s*[^<]*")
PREAMBLE_LINES = 2


class _Piece(Record):
    """Part of a script: from `start` (in the script) on, character k of the piece is at `source(k)`."""

    __slots__ = ("source", "start")
    start: int
    source: Callable[[int], int]

    def __init__(self, start: int, source: Callable[[int], int]) -> None:
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "source", source)


class RunScript(Record):
    """One script a RUN runs, with the shell to read it as and where each of its characters came from."""

    __slots__ = ("_starts", "dialect", "pieces", "text")
    text: str
    dialect: str
    pieces: tuple[_Piece, ...]
    _starts: list[int]

    def __init__(self, text: str, dialect: str, pieces: tuple[_Piece, ...]) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "dialect", dialect)
        object.__setattr__(self, "pieces", pieces)
        object.__setattr__(self, "_starts", [piece.start for piece in pieces])

    def source_offset(self, index: int) -> int:
        """The Dockerfile offset of the script's character `index` (or just past the script's end)."""
        piece = self.pieces[max(0, bisect_right(self._starts, index) - 1)]
        return piece.source(index - piece.start)

    def source_range(self, start: int, end: int) -> TextRange:
        first = self.source_offset(start)
        if end <= start:
            return TextRange(first, first)
        return TextRange(first, max(first, self.source_offset(end - 1) + 1))

    def file_text(self, names: Sequence[str]) -> str:
        """What ShellCheck reads: shebang, declarations, the script (PREAMBLE_LINES lines before it)."""
        declared = " ".join(f"{name}=1" for name in names)
        return f"#!/bin/{self.dialect}\nexport {declared}\n{self.text}\n"


class Skipped(Record):
    """A RUN ShellCheck is not run on: because of the shell it runs under (`shell`), or for `reason`."""

    __slots__ = ("reason", "shell")
    shell: str
    reason: str

    def __init__(self, shell: str, reason: str = "") -> None:
        object.__setattr__(self, "shell", shell)
        object.__setattr__(self, "reason", reason)


TOO_DEEP = (
    "its script nests deeper than real scripts do, and ShellCheck's time grows with the square of the depth"
)


def dialect_of(program: Sequence[str]) -> str | None:
    """ShellCheck's name for the shell a command line starts (`/bin/bash -c`, `busybox sh`), else None."""
    if not program:
        return None
    name = posixpath.basename(program[0].replace("\\", "/")).lower().removesuffix(".exe")
    if name == "env" and len(program) > 1:
        return dialect_of(program[1:])
    if name == "busybox" and len(program) > 1 and program[1] in ("sh", "ash"):
        return "dash"
    return _SHELL_DIALECTS.get(name)


def _from(offset: int) -> Callable[[int], int]:
    """Character k of the piece is `offset + k` in the Dockerfile."""
    return lambda k: offset + k


def _at(offset: int) -> Callable[[int], int]:
    """Every character of the piece stands for one place (the newline BuildKit adds before a body)."""
    return lambda _k: offset


def _line_pieces(text: str, start: int, end: int, at: int, strip_tabs: bool) -> list[_Piece]:
    """Pieces for a heredoc body: each source line of `text[start:end]` from script offset `at` on, with
    its line ending read as one "\\n" (CRLF files) and, for `<<-`, its leading tabs left out."""
    pieces = []
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        stop = end if newline < 0 else newline
        content_end = stop - 1 if stop > position and text[stop - 1] == "\r" else stop
        first = position
        if strip_tabs:
            while first < content_end and text[first] == "\t":
                first += 1
        pieces.append(_Piece(at, _from(first)))
        at += content_end - first + 1
        position = stop + 1
    return pieces


def _windows_base(context: DockerfileContext, instruction: Instruction) -> bool:
    """Whether the stage is built on a Windows image (by its name: windows/servercore, nanoserver ...)."""
    stage = context.dockerfile.build.stage_of(instruction)
    if stage is None:
        return False
    root = stage.lineage()[-1]
    return _WINDOWS_IMAGE.search(root.base_expanded) is not None


def run_scripts(context: DockerfileContext, instruction: Instruction) -> list[RunScript] | Skipped:
    """The scripts a shell-form RUN hands to a shell, as BuildKit builds them; `Skipped` when its SHELL is
    not one ShellCheck reads. An exec-form RUN runs no shell: none."""
    if instruction.keyword != "RUN" or instruction.is_exec_form or not instruction.arguments:
        return []
    shell = context.shell_for(instruction)
    dialect = dialect_of(shell)
    if dialect is None:
        program = posixpath.basename((shell[0] if shell else "").replace("\\", "/"))
        if program.lower().removesuffix(".exe") in _WINDOWS_SHELLS:
            return []  # PowerShell or cmd: a language of its own, nothing for ShellCheck to miss
        return Skipped(program or "an empty SHELL")
    if shell == _DEFAULT_SHELL and _windows_base(context, instruction):
        return []  # a Windows image runs RUN with cmd unless SHELL says otherwise
    commands = context.run_commands(instruction)
    if commands and (commands[0].name or "").lower().removesuffix(".exe") in _WINDOWS_SHELLS:
        return []  # `RUN powershell -Command ...`: the rest of the line is PowerShell's
    line = instruction.arguments[0]
    offsets = instruction.offsets
    base = instruction.arguments_span[0]
    line_piece = _Piece(0, lambda k: offsets.offset(base + k))
    text = context.dockerfile.text
    heredocs = instruction.heredocs
    if not heredocs:
        return [RunScript(line, dialect, (line_piece,))]
    if len(heredocs) == 1 and _LONE_HEREDOC.fullmatch(line.strip()):
        heredoc = heredocs[0]
        body = heredoc.effective_content
        if body.startswith("#!"):
            dialect = dialect_of(body[2:].split("\n", 1)[0].split()) or ""
            if not dialect:
                return []  # a script for another interpreter (python, node ...)
        end = heredoc.body_range.end - _terminator_length(text, heredoc.body_range.end)
        pieces = _line_pieces(text, heredoc.body_range.start, end, 0, heredoc.strip_tabs)
        return [RunScript(body, dialect, tuple(pieces) or (line_piece,))]
    # A command with heredocs: the line, then each raw body and terminator, as BuildKit joins them.
    parts = [line]
    pieces = [line_piece]
    at = len(line)
    for heredoc in heredocs:
        end = heredoc.body_range.end
        terminator = end - _terminator_length(text, end)
        parts.append("\n" + heredoc.content + heredoc.name)
        pieces.append(_Piece(at, _at(heredoc.body_range.start)))
        pieces.extend(_line_pieces(text, heredoc.body_range.start, terminator, at + 1, False))
        at += 1 + len(heredoc.content)
        pieces.append(_Piece(at, _from(terminator)))
        at += len(heredoc.name)
    return [RunScript("".join(parts), dialect, tuple(pieces))]


def _terminator_length(text: str, end: int) -> int:
    """Characters of the terminator line that ends at `end` (its line ending not included)."""
    return end - (text.rfind("\n", 0, end) + 1)


def declared_names(context: DockerfileContext) -> dict[int, tuple[str, ...]]:
    """By RUN index: the variable names the build defines before it, in one pass over each stage (a
    stage starts with what the stage it is built FROM has at its end)."""
    found: dict[int, tuple[str, ...]] = {}
    at_end: dict[int, dict[str, None]] = {}
    for stage in context.dockerfile.build.stages:
        names: dict[str, None] = dict.fromkeys(_PROXY_VARIABLES)
        if stage.base_stage is not None:
            names.update(at_end.get(stage.base_stage.index, {}))
        for instruction in stage.instructions:
            if instruction.keyword == "ARG":
                names.update(dict.fromkeys(word.partition("=")[0] for word in instruction.arguments))
            elif instruction.keyword == "ENV":
                names.update(dict.fromkeys(instruction.arguments[::2]))
            elif instruction.keyword == "RUN" and instruction.is_shell_form:
                extra = [mount.env for mount in _mounts(instruction) if mount.env]
                found[instruction.index] = tuple(n for n in (*names, *extra) if _NAME.fullmatch(n))
        at_end[stage.index] = names
    return found


def _mounts(instruction: Instruction) -> tuple[Mount, ...]:
    if not instruction.flags:
        return ()
    try:
        return instruction.mounts
    except Exception:  # an invalid --mount is DW0xx's finding; here it only declares nothing
        return ()


def scripts_of(context: DockerfileContext) -> list[tuple[Instruction, RunScript | Skipped, str]]:
    """Every script of every shell-form RUN with the text ShellCheck reads for it (empty for a skipped
    RUN), in file order."""
    declared: dict[int, tuple[str, ...]] | None = None
    found: list[tuple[Instruction, RunScript | Skipped, str]] = []
    for instruction in context.dockerfile.instructions:
        if instruction.keyword != "RUN" or instruction.is_exec_form:
            continue
        scripts = run_scripts(context, instruction)
        if isinstance(scripts, Skipped):
            found.append((instruction, scripts, ""))
            continue
        if declared is None:
            declared = declared_names(context)
        names = declared.get(instruction.index, _PROXY_VARIABLES)
        for script in scripts:
            if nests_too_deep(script.text):
                found.append((instruction, Skipped("", TOO_DEEP), ""))
            else:
                found.append((instruction, script, script.file_text(names)))
    return found
