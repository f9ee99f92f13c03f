"""The commands a RUN instruction runs, read with a real shell parser (tree-sitter-bash).

Rules about package managers, `cd`, `sudo` or `curl | sh` need to know which commands run and with which
arguments, through `&&`, `;`, pipes, subshells, quoting and heredoc bodies. Regular expressions over the
raw text get that wrong (a `--no-cache` inside a quoted string, an `apt-get` in a comment); tree-sitter-bash
is a maintained grammar with Python wheels, so dockwise parses instead.

Besides the simple commands, the parse keeps the pipelines (`curl ... | sh`, `wget -O- ... | tar x`) with
the shell options in effect where each one runs (`set -o pipefail`, a SHELL with `-o pipefail`), which
rules about silently failing pipes and piped scripts need.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from functools import lru_cache, wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from dockwise.diagnostics import TextRange
from dockwise.patterns import LazyPattern
from dockwise.record import Record, slot_setters

if TYPE_CHECKING:
    from dockwise.dockerfile.tree import Instruction

#: Shells whose language tree-sitter-bash reads (a SHELL of powershell or cmd is not analysed).
POSIX_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"})
_STATIC_NODES = frozenset({"word", "number", "variable_name"})
#: `make`, and the builtins tree-sitter-bash gives nodes of their own: `export A=1`, `local B`, `unset C`.
_COMMAND_NODES = frozenset({"command", "declaration_command", "unset_command"})
#: Nodes whose commands run in a child shell: a `set` inside them does not change the script's options.
_CHILD_SHELLS = frozenset({"subshell", "command_substitution", "process_substitution"})
#: The one-letter options of `set` (and of a shell's command line), by the long name `set -o` uses.
_SHORT_OPTIONS = {
    "a": "allexport", "b": "notify", "e": "errexit", "f": "noglob", "h": "hashall", "m": "monitor",
    "n": "noexec", "u": "nounset", "v": "verbose", "x": "xtrace", "B": "braceexpand", "C": "noclobber",
    "E": "errtrace", "H": "histexpand", "P": "physical", "T": "functrace",
}  # fmt: skip


class ShellWord:
    """One word of a command: as written, its value when it has no expansion, and where it is.

    A plain class rather than a dataclass because the source range is worked out only when asked: a
    corpus has hundreds of thousands of words and rules look at the position of a handful of them.
    """

    __slots__ = ("_end", "_locate", "_range", "_start", "text", "value")

    def __init__(
        self,
        text: str,
        value: str | None,
        range: TextRange | None = None,
        locate: Callable[[int, int], TextRange] | None = None,
        start: int = 0,
        end: int = 0,
    ) -> None:
        """`range`, or `locate` and the word's `start`/`end` in its script (mapped when first asked)."""
        self.text = text
        self.value = value
        """The word after quote removal; None when it depends on a variable or command substitution."""
        self._range = range
        self._locate = locate
        self._start = start
        self._end = end

    @property
    def range(self) -> TextRange:
        if self._range is None:
            assert self._locate is not None, "a ShellWord needs a range or a way to locate it"
            self._range = self._locate(self._start, self._end)
        return self._range

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ShellWord):
            return NotImplemented
        return (self.text, self.value, self.range) == (other.text, other.value, other.range)

    def __hash__(self) -> int:
        return hash((self.text, self.value, self.range))

    def __repr__(self) -> str:
        return f"ShellWord(text={self.text!r}, value={self.value!r}, range={self.range!r})"


class ShellCommand(Record):
    """A simple command: `apt-get install -y curl` (environment assignments in front are left out)."""

    __slots__ = (
        "_end", "_facts", "_locate", "_parsed", "_range", "_start", "_static_values", "_words", "name",
    )  # fmt: skip
    _fields = ("words", "range")
    _words: tuple[ShellWord, ...] | None
    _parsed: _ParsedCommand | None
    """The command of a cached script parse these words come from: they are made from it when asked."""
    _facts: dict[object, Any]
    """What `command_fact` functions found about this command's words (see there)."""
    _range: TextRange | None
    _locate: Callable[[int, int], TextRange] | None
    _start: int
    _end: int
    _static_values: tuple[str, ...] | None
    name: str | None
    """The program's base name (`apt-get` for `/usr/bin/apt-get`), None when it is not static; computed
    once because every package and shell rule asks for it."""

    def __init__(self, words: tuple[ShellWord, ...], range: TextRange) -> None:
        value = words[0].value if words else None
        set_field = object.__setattr__
        set_field(self, "_words", words)
        set_field(self, "_parsed", None)
        set_field(self, "_range", range)
        set_field(self, "_locate", None)
        set_field(self, "_start", 0)
        set_field(self, "_end", 0)
        set_field(self, "name", posixpath.basename(value) if value else value)
        set_field(self, "_static_values", None)
        set_field(self, "_facts", {})

    @classmethod
    def _of_parse(cls, parsed: _ParsedCommand, locate: Callable[[int, int], TextRange]) -> ShellCommand:
        """A parsed command located with `locate` (a script offset range to a source range). Its words,
        range and static values are worked out when first asked: a lint makes every command of every RUN
        and rules look at the words of few of them (`command_fact` answers the rest), and the name, the
        values and the facts come with the cached parse."""
        command = cls.__new__(cls)
        words, parse, range_, locator, start, end, name, values, facts = _COMMAND_SETTERS
        words(command, None)
        parse(command, parsed)
        range_(command, None)
        locator(command, locate)
        start(command, parsed.start)
        end(command, parsed.end)
        name(command, parsed.name)
        values(command, parsed.static_values)
        facts(command, parsed._facts)
        return command

    @property
    def words(self) -> tuple[ShellWord, ...]:
        found = self._words
        if found is None:
            assert self._parsed is not None, "a ShellCommand has words or a parse to make them from"
            locate = self._locate
            parsed = self._parsed.words
            found = tuple([ShellWord(text, value, None, locate, s, e) for text, value, s, e in parsed])
            object.__setattr__(self, "_words", found)
        return found

    @property
    def range(self) -> TextRange:
        found = self._range
        if found is None:
            assert self._locate is not None, "a ShellCommand needs a range or a way to locate it"
            found = self._locate(self._start, self._end)
            object.__setattr__(self, "_range", found)
        return found

    @property
    def arguments(self) -> tuple[ShellWord, ...]:
        return self.words[1:]

    def values(self) -> list[str]:
        """The static argument values (dynamic words left out): a new list each time, from a tuple worked
        out once (rules ask several times per command)."""
        found: tuple[str, ...] | None = self._static_values
        if found is None:
            found = tuple([word.value for word in self.words[1:] if word.value is not None])
            object.__setattr__(self, "_static_values", found)
        return list(found)


_COMMAND_SETTERS = slot_setters(
    ShellCommand, "_words", "_parsed", "_range", "_locate", "_start", "_end", "name", "_static_values",
    "_facts",
)  # fmt: skip
_Fact = TypeVar("_Fact", bound=Callable[..., Any])


def command_fact(function: _Fact) -> _Fact:
    """`function(command, *hashable_arguments)` worked out once per command text, not once per lint.

    The result is kept with the cached parse of the command's script, which every lint of an unchanged
    RUN (each keystroke in an editor) and every identical RUN of a file shares. So a fact may read only
    the command's words (`name`, `values()`, each word's `text` and `value`), never a position, and may
    not return a `ShellWord`, a `ShellCommand` or a range: those belong to one lint and one place.
    """
    missing = object()

    @wraps(function)
    def remembered(command: ShellCommand, *arguments: Any, **named: Any) -> Any:
        key = (function, arguments, tuple(sorted(named.items()))) if arguments or named else function
        facts = command._facts
        found = facts.get(key, missing)
        if found is missing:
            found = facts[key] = function(command, *arguments, **named)
        return found

    return cast("_Fact", remembered)


class ShellPipeline(Record):
    """Commands joined by `|` or `|&`, each stage reading what the previous one writes.

    Only the last stage's exit status counts unless the `pipefail` option is on, so the pipeline keeps
    the options in effect where it runs: those the shell was started with (the SHELL instruction, a
    heredoc's shebang or `bash -o pipefail <<EOF`) and those of the `set` commands before it in the same
    script. A `set` inside a subshell, a substitution or another pipeline does not count.
    """

    __slots__ = ("options", "range", "stages")
    stages: tuple[tuple[ShellCommand, ...], ...]
    """The simple commands of each stage: one for `curl -fsSL $URL`, two for `(cd src && make)`."""
    range: TextRange
    options: frozenset[str]
    """Long option names (`errexit`, `pipefail` ...), as `set -o` lists them."""

    def __init__(
        self, stages: tuple[tuple[ShellCommand, ...], ...], range: TextRange, options: frozenset[str]
    ) -> None:
        object.__setattr__(self, "stages", stages)
        object.__setattr__(self, "range", range)
        object.__setattr__(self, "options", options)

    @property
    def pipefail(self) -> bool:
        return "pipefail" in self.options


def set_options(arguments: Iterable[str | None], options: frozenset[str] = frozenset()) -> frozenset[str]:
    """`options` after `set ARGUMENTS`, or the options of a shell started with ARGUMENTS.

    `-e` or `-o errexit` turns an option on and `+e` or `+o errexit` off; letters combine (`-euxo
    pipefail`). The scan stops at the first operand (a script, `-c`'s command), at `-` or `--`, and at a
    dynamic word (None). Letters that are not options (`-c`, `-l`) and long flags (`--login`) are skipped.
    """
    enabled = set(options)
    words = iter(arguments)
    for word in words:
        if word is None or len(word) < 2 or word[0] not in "-+" or word == "--":
            break
        if word.startswith("--"):
            continue
        change = enabled.add if word[0] == "-" else enabled.discard
        for letter in word[1:]:
            name = next(words, None) if letter == "o" else _SHORT_OPTIONS.get(letter)
            if name:
                change(name)
    return frozenset(enabled)


class _ParsedCommand(Record):
    """A command found in a script, with offsets into that script's text."""

    __slots__ = ("_facts", "end", "name", "start", "static_values", "words")
    _fields = ("words", "start", "end")
    words: tuple[tuple[str, str | None, int, int], ...]
    start: int
    end: int
    name: str | None
    """The program's base name, as `ShellCommand.name`: kept with the cached parse, not redone per lint."""
    static_values: tuple[str, ...]
    """The static argument values, as `ShellCommand.values()` gives them."""
    _facts: dict[object, Any]
    """`command_fact` results for the commands made from this one, kept as long as the parse is cached."""

    def __init__(self, words: tuple[tuple[str, str | None, int, int], ...], start: int, end: int) -> None:
        value = words[0][1] if words else None
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "name", posixpath.basename(value) if value else value)
        object.__setattr__(self, "static_values", tuple([w[1] for w in words[1:] if w[1] is not None]))
        object.__setattr__(self, "_facts", {})


class _ParsedPipeline(Record):
    """A pipeline found in a script: each stage as indexes into the script's commands."""

    __slots__ = ("end", "options", "stages", "start")
    stages: tuple[tuple[int, ...], ...]
    start: int
    end: int
    options: frozenset[str]

    def __init__(
        self, stages: tuple[tuple[int, ...], ...], start: int, end: int, options: frozenset[str]
    ) -> None:
        object.__setattr__(self, "stages", stages)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "options", options)


class _ParsedScript(Record):
    __slots__ = ("commands", "has_error", "pipelines", "too_deep")
    commands: tuple[_ParsedCommand, ...]
    pipelines: tuple[_ParsedPipeline, ...]
    has_error: bool
    """tree-sitter recovered from a syntax error (an unclosed quote or `$(`, a dangling operator)."""
    too_deep: bool
    """The syntax tree is deeper than `_MAX_DEPTH` (the walk left the deeper parts out)."""

    def __init__(
        self,
        commands: tuple[_ParsedCommand, ...],
        pipelines: tuple[_ParsedPipeline, ...],
        has_error: bool,
        too_deep: bool = False,
    ) -> None:
        object.__setattr__(self, "commands", commands)
        object.__setattr__(self, "pipelines", pipelines)
        object.__setattr__(self, "has_error", has_error)
        object.__setattr__(self, "too_deep", too_deep)


class _Script(Record):
    """What one script (the RUN line or a heredoc body) runs, located in the Dockerfile."""

    __slots__ = ("commands", "pipelines")
    commands: tuple[ShellCommand, ...]
    pipelines: tuple[ShellPipeline, ...]

    def __init__(self, commands: tuple[ShellCommand, ...], pipelines: tuple[ShellPipeline, ...]) -> None:
        object.__setattr__(self, "commands", commands)
        object.__setattr__(self, "pipelines", pipelines)


def commands_of(
    instruction: Instruction, shell: tuple[str, ...] = ("/bin/sh", "-c")
) -> tuple[ShellCommand, ...]:
    """The simple commands a RUN runs, in order: from its shell-form line and from its heredoc bodies.

    Exec-form RUN is one command of static words. With a non-POSIX `shell` nothing is analysed.
    """
    return tuple(command for script in _scripts(instruction, shell) for command in script.commands)


def pipelines_of(
    instruction: Instruction, shell: tuple[str, ...] = ("/bin/sh", "-c")
) -> tuple[ShellPipeline, ...]:
    """The pipelines a RUN runs, in order, like `commands_of` (an exec-form RUN has none)."""
    return tuple(pipeline for script in _scripts(instruction, shell) for pipeline in script.pipelines)


def analyse_run(
    instruction: Instruction, shell: tuple[str, ...] = ("/bin/sh", "-c")
) -> tuple[tuple[ShellCommand, ...], tuple[ShellPipeline, ...]]:
    """`commands_of` and `pipelines_of` together, locating the scripts once."""
    scripts = _scripts(instruction, shell)
    commands = tuple(command for script in scripts for command in script.commands)
    return commands, tuple(pipeline for script in scripts for pipeline in script.pipelines)


def plain_command_words(script: str) -> tuple[str, ...] | None:
    """The words of `script` when it is one simple command that a shell would run as written: static
    words only, nothing between them but blanks (no redirection, assignment, operator or comment) and no
    unquoted glob or tilde. That is exactly what an exec-form `["word", ...]` can say; else None."""
    parsed = _parse(script)
    if len(parsed.commands) != 1 or parsed.pipelines:
        return None
    words = parsed.commands[0].words
    position = 0
    for text, value, start, end in words:
        if value is None or script[position:start].strip() or _GLOB.search(_QUOTED.sub("", text)):
            return None
        position = end
    if script[position:].strip() or not words:
        return None
    return tuple(value for _, value, _, _ in words if value is not None)


def script_commands(script: str, offset: int = 0) -> tuple[ShellCommand, ...]:
    """The simple commands of a shell script (a file of its own, not a RUN), with ranges into the text
    (plus `offset`, for a script embedded in a bigger file)."""
    return _locate(_parse(script), lambda start, end: TextRange(offset + start, offset + end)).commands


def command_spans(script: str) -> list[tuple[int, int]]:
    """Where each simple command of `script` starts and ends (character offsets), in source order."""
    return [(command.start, command.end) for command in _parse(script).commands]


def parses_cleanly(script: str) -> bool:
    """Whether `script` is well-formed shell: no unclosed quote, substitution or dangling operator. Text
    appended to a script that is not would land inside whatever is left open."""
    return not _parse(script).has_error


def nests_too_deep(script: str) -> bool:
    """Whether `script` nests deeper than any real script does (`_MAX_DEPTH` levels of syntax tree):
    ShellCheck's time grows with the square of the depth there."""
    return _parse(script).too_deep


def runs_one_command(script: str) -> bool:
    """Whether `script` is a single simple command (expansions and redirections allowed), so that an
    `exec` in front of it makes that command replace the shell."""
    parsed = _parse(script)
    return len(parsed.commands) == 1 and not parsed.pipelines


_QUOTED = LazyPattern(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"|\\.")
_GLOB = LazyPattern(r"[*?\[~{]")


def _scripts(instruction: Instruction, shell: tuple[str, ...]) -> list[_Script]:
    """The RUN line and the heredoc bodies that run as scripts, parsed and located in the source."""
    if instruction.keyword != "RUN" or not instruction.arguments:
        return []
    if instruction.is_exec_form:
        span = instruction.arguments_range
        words = tuple(ShellWord(argument, argument, span) for argument in instruction.arguments)
        return [_Script((ShellCommand(words, span),), ())]
    started_with = _posix_shell_options(shell)
    if started_with is None:
        return []
    offsets = instruction.offsets
    base = instruction.arguments_span[0]
    line = _locate(
        _parse(instruction.arguments[0], started_with),
        lambda start, end: offsets.range(base + start, base + end),
    )
    # `RUN <<EOF` (or `RUN bash <<EOF`) runs the body as a script; `RUN cat <<EOF >/etc/x` writes data.
    if not instruction.heredocs or any(command.name not in POSIX_SHELLS for command in line.commands):
        return [line]
    scripts = [line]
    for heredoc in instruction.heredocs:
        body = heredoc.effective_content
        if not _runs_as_shell(body):
            continue
        if body.startswith("#!"):
            options = set_options(body[2:].split("\n", 1)[0].split()[1:])
        elif line.commands:
            options = set_options(word.value for word in line.commands[0].arguments)
        else:
            options = set_options(shell[1:])
        start = heredoc.body_range.start
        if heredoc.strip_tabs:
            # With `<<-` leading tabs are removed, so body offsets no longer match the source: report
            # such commands at the whole body.
            whole = heredoc.body_range
            scripts.append(_locate(_parse(body, options), lambda _s, _e, w=whole: w))
        else:
            scripts.append(_locate(_parse(body, options), lambda s, e, b=start: TextRange(b + s, b + e)))
    return scripts


@lru_cache(maxsize=64)
def _posix_shell_options(shell: tuple[str, ...]) -> frozenset[str] | None:
    """The options a SHELL starts its scripts with (`pipefail` for `bash -o pipefail -c`); None for a
    shell whose language is not sh's (PowerShell, cmd). Asked for every RUN of every lint."""
    if not shell or posixpath.basename(shell[0]).removesuffix(".exe") not in POSIX_SHELLS:
        return None
    return set_options(shell[1:])


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


def _locate(parsed: _ParsedScript, to_range: Any) -> _Script:
    """The parsed script's commands as objects located in the file. Run for every RUN of every lint (the
    parse itself is cached, this is not), so a command is made with no words: they come when asked."""
    of_parse = ShellCommand._of_parse
    commands = [of_parse(command, to_range) for command in parsed.commands]
    pipelines = tuple(
        ShellPipeline(
            tuple(tuple(commands[index] for index in stage) for stage in pipeline.stages),
            to_range(pipeline.start, pipeline.end),
            pipeline.options,
        )
        for pipeline in parsed.pipelines
    )
    return _Script(tuple(commands), pipelines)


@lru_cache(maxsize=4096)
def _parse(script: str, options: frozenset[str] = frozenset()) -> _ParsedScript:
    """Every simple command and pipeline of a script, with character offsets (cached: corpora repeat
    scripts); `options` are those the shell starts with."""
    data = script.encode("utf-8", "surrogatepass")
    tree = _parser().parse(data)
    # tree-sitter counts bytes; rules and ranges count characters.
    walker = _Walker(data, _byte_to_char(script, data), options)
    walker.walk(tree.root_node, 0)
    has_error = bool(tree.root_node.has_error) or walker.too_deep
    return _ParsedScript(tuple(walker.commands), tuple(walker.pipelines), has_error, walker.too_deep)


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


_MAX_DEPTH = 300
"""How deep the walk follows the syntax tree: real scripts stay under 60; `$(` nested 3,000 deep ran out
of Python's stack ("internal error"). Deeper parts are left out and the script counts as not well-formed."""


class _Walker:
    """Collects commands and pipelines in source order, following `set` to know the options in effect."""

    def __init__(self, data: bytes, to_char: Any, options: frozenset[str]) -> None:
        self.data = data
        self.to_char = to_char
        self.options = options
        self.commands: list[_ParsedCommand] = []
        self.pipelines: list[_ParsedPipeline] = []
        self.too_deep = False

    def walk(self, node: Any, depth: int) -> None:
        if depth > _MAX_DEPTH:
            self.too_deep = True
            return
        if node.type == "pipeline":
            self.pipeline(node, depth)
            return
        if node.type in _COMMAND_NODES:
            self.command(node)
        saved = self.options
        for child in node.children:
            self.walk(child, depth + 1)
        if node.type in _CHILD_SHELLS:
            self.options = saved

    def command(self, node: Any) -> None:
        words = []
        for index, child in enumerate(node.children):
            if child.type.startswith("file_redirect"):
                continue
            if child.type == "variable_assignment" and node.type == "command":
                continue  # `FOO=1 make`: the environment of make, not a word
            target = child.children[0] if child.type == "command_name" and child.children else child
            text = self.data[target.start_byte : target.end_byte].decode("utf-8", "surrogatepass")
            # The keyword of `export A=1` or `unset B` is a token of its own type, not a word.
            value = text if index == 0 and node.type != "command" else _static_value(target, self.data)
            words.append((text, value, self.to_char(target.start_byte), self.to_char(target.end_byte)))
        start = self.to_char(node.start_byte)
        # tree-sitter-bash reads `! { a | b; }` as a command named `{` piped to b, then a command `}`.
        if words and words[0][1] == "{":
            words = words[1:]
            start = words[0][2] if words else start
        if words and words[0][1] != "}":
            self.commands.append(_ParsedCommand(tuple(words), start, self.to_char(node.end_byte)))
            if words[0][1] == "set":
                self.options = set_options((value for _, value, _, _ in words[1:]), self.options)

    def pipeline(self, node: Any, depth: int) -> None:
        """A pipeline's stages each run in a child shell; tree-sitter nests `a | b 2>&1 | c` as a pipeline
        inside a redirected statement inside a pipeline, which is one pipeline of three stages."""
        saved = self.options
        stages: list[tuple[int, ...]] = []
        for stage in _stages(node):
            first = len(self.commands)
            for part in stage:
                self.walk(part, depth + 1)
                self.options = saved
            stages.append(tuple(range(first, len(self.commands))))
        start, end = self.to_char(node.start_byte), self.to_char(node.end_byte)
        self.pipelines.append(_ParsedPipeline(tuple(stages), start, end, saved))


def _stages(pipeline: Any) -> list[list[Any]]:
    """The nodes of each stage of a pipeline, nested pipelines flattened (their redirections stay with
    the stage they follow). With a stack, not recursion: `a 2>&1 | b 2>&1 | ...` nests one level a stage."""
    stages: list[list[Any]] = []
    pending: list[tuple[Any, list[Any]]] = [(iter(pipeline.children), [])]
    while pending:
        children, redirections = pending[-1]
        child = next(children, None)
        if child is None:
            pending.pop()
            if redirections and stages:
                stages[-1].extend(redirections)
            continue
        if child.type in ("|", "|&"):
            continue
        body = child.children[0] if child.type == "redirected_statement" and child.children else None
        if body is not None and body.type == "pipeline":
            pending.append((iter(body.children), list(child.children[1:])))
        else:
            stages.append([child])
    return stages


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
    if node.type in ("concatenation", "variable_assignment"):
        parts = [child.type if child.type == "=" else _static_value(child, data) for child in node.children]
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
    from tree_sitter import Language, Parser

    return Parser(Language(_bash_grammar()))


def _bash_grammar() -> object:
    """tree-sitter-bash's `language()`, from its compiled binding.

    The package's `__init__` imports importlib.resources (and with it tempfile and random: 3 ms, a
    twentieth of a one-file lint) for highlight queries dockwise never reads, so the binding is loaded
    on its own where the package keeps it, and through the package when it is not there.
    """
    from importlib.machinery import PathFinder
    from importlib.util import find_spec, module_from_spec

    package = find_spec("tree_sitter_bash")
    locations = package.submodule_search_locations if package is not None else None
    spec = PathFinder.find_spec("tree_sitter_bash._binding", locations) if locations else None
    if spec is None or spec.loader is None:
        import tree_sitter_bash

        return tree_sitter_bash.language()
    binding = module_from_spec(spec)
    spec.loader.exec_module(binding)
    return binding.language()
