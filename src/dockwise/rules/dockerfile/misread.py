"""Rules of the `syntax` category for what BuildKit accepts but reads otherwise than the author meant:
variables exec form never expands, global ARGs a stage cannot see, a stop signal no kernel knows.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockwise.diagnostics import Applicability, Category, Diagnostic, Edit, Fix, Severity
from dockwise.dockerfile.build import Stage
from dockwise.dockerfile.shell import POSIX_SHELLS
from dockwise.dockerfile.tree import Instruction
from dockwise.patterns import LazyPattern
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability

_VARIABLE = LazyPattern(r"(?<![\\$])\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")
_SINGLE_QUOTED = LazyPattern(r"'[^']*'")


class ExecFormVariable(DockerfileRule):
    """A `$VARIABLE` in an exec-form (JSON) RUN, CMD or ENTRYPOINT, where no shell expands it.

    ## Why is this bad?
    The JSON form runs the program directly, without a shell, so `$PORT` reaches it as the five
    characters `$PORT`: the server is told to listen on a port named `$PORT`, the script to read a
    file called `$CONFIG`. Docker does not expand variables in these instructions either. (A CMD
    given to an entrypoint script is left out: such scripts may expand their arguments.)

    ## Example
    ```dockerfile
    ENV PORT=8080
    CMD ["gunicorn", "--bind", "0.0.0.0:$PORT", "app:app"]
    ```

    ## Use instead
    ```dockerfile
    ENV PORT=8080
    CMD ["sh", "-c", "exec gunicorn --bind 0.0.0.0:$PORT app:app"]
    # or read the variable in the program (gunicorn reads $PORT itself)
    CMD ["gunicorn", "app:app"]
    ```
    """

    code = "DW058"
    name = "exec-form-variable"
    category = Category.SYNTAX
    severity = Severity.WARNING

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        build = context.dockerfile.build
        for instruction in context.dockerfile.instructions:
            if instruction.keyword not in ("RUN", "CMD", "ENTRYPOINT") or not instruction.is_exec_form:
                continue
            if instruction.keyword == "CMD" and _script_entrypoint(build.stage_of(instruction)):
                continue  # the CMD is the arguments of an entrypoint script, which may expand them
            arguments = instruction.arguments
            if not arguments or _expands_itself(arguments):
                continue  # `["sh", "-c", "... $X"]`: the shell expands it
            for argument in arguments:
                match = _VARIABLE.search(_SINGLE_QUOTED.sub("", argument))
                if match is None:
                    continue
                yield context.diagnostic(
                    self,
                    instruction.range,
                    f"{match.group(0)} in the exec form of {instruction.keyword} is passed as written: no "
                    "shell expands it",
                )
                break


def _script_entrypoint(stage: Stage | None) -> bool:
    """Whether the stage chain sets an ENTRYPOINT other than an init (a script that gets the CMD)."""
    from dockwise.rules.dockerfile.instruction_fixes import INIT_PROGRAMS

    entrypoints = [i for each in (stage.lineage() if stage else ()) for i in each.instructions
                   if i.keyword == "ENTRYPOINT" and i.arguments]  # fmt: skip
    if not entrypoints:
        return False
    last = max(entrypoints, key=lambda i: i.index)
    return posixpath.basename(last.arguments[0]) not in INIT_PROGRAMS


#: Programs whose own language uses `$` (`awk '{print $NF}'`, `jq '.a as $x'`).
_DOLLAR_LANGUAGES = frozenset({"awk", "gawk", "mawk", "jq", "sed", "perl"})
#: Interpreters that run a script given on the command line after one of `_SCRIPT_FLAGS`.
_INTERPRETERS = frozenset({"powershell", "pwsh", "cmd", "php", "ruby", "node", "python", "python3"})
_SCRIPT_FLAGS = frozenset({"-c", "-e", "-r", "-Command", "-command", "/c", "/C", "/S"})


def _expands_itself(arguments: tuple[str, ...]) -> bool:
    """A shell, or a program whose script argument reads `$` in its own way (PowerShell's `$env:PATH`)."""
    name = posixpath.basename(arguments[0].replace("\\", "/")).lower().removesuffix(".exe")
    if name in POSIX_SHELLS or name in _DOLLAR_LANGUAGES:
        return True
    return name in _INTERPRETERS and any(argument in _SCRIPT_FLAGS for argument in arguments[1:])


#: BuildKit's and the shell's variables that every stage sees without declaring them.
_AUTOMATIC = frozenset(
    {
        "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH",
        "BUILDVARIANT", "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy",
        "https_proxy", "ftp_proxy", "no_proxy", "all_proxy", "PATH", "HOME", "HOSTNAME",
    }
)  # fmt: skip
#: Instructions whose text mentions variables: BuildKit expands these, the shell expands RUN's.
_READS_VARIABLES = frozenset({"RUN", "ADD", "COPY", "ENV", "EXPOSE", "LABEL", "USER", "VOLUME", "WORKDIR"})


class GlobalArgNotInScope(DockerfileRule):
    """A stage uses an ARG declared before the first FROM without declaring it again.

    An ARG before the first FROM is visible to FROM lines only. The stages that use it must say
    `ARG NAME` (without a value: the global default is kept). A name that the stage's base image likely
    sets itself (a `*_VERSION` also used to choose that image, as `node:${NODE_VERSION}` sets
    `NODE_VERSION`) is left out.

    ## Why is this bad?
    Inside the stage the variable is empty: `RUN curl -O .../v${VERSION}/tool.tgz` downloads `v/tool.tgz`,
    `COPY app /opt/$APP/` copies to `/opt/`. BuildKit builds it without complaint.

    ## Example
    ```dockerfile
    ARG VERSION=1.4.2
    FROM debian:bookworm-slim
    RUN curl -fsSLO https://example.com/tool-${VERSION}.tgz
    ```

    ## Use instead
    ```dockerfile
    ARG VERSION=1.4.2
    FROM debian:bookworm-slim
    ARG VERSION
    RUN curl -fsSLO https://example.com/tool-${VERSION}.tgz
    ```
    """

    code = "DW059"
    name = "global-arg-not-in-scope"
    category = Category.SYNTAX
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Unsafe: declaring the ARG in the stage gives the variable its global value where it was "
        "empty, which changes what the stage builds (the intent, but a change)."
    )
    checks_triggers = False  # a trigger sees the child build's ARGs, not this file's
    checks_fragments = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        build = context.dockerfile.build
        if not build.global_args:
            return
        for stage in build.stages:
            declared = _declared_names(stage)
            reported: set[str] = set()
            for instruction in stage.instructions:
                if instruction.keyword not in _READS_VARIABLES:
                    continue
                visible = declared.get(instruction.index, set())
                text = _text_of(context, instruction)
                for match in _VARIABLE.finditer(text):
                    name = match.group(1) or match.group(2)
                    if name not in build.global_args or name in visible or name in reported:
                        continue
                    if name in _AUTOMATIC or _chose_the_base(stage, name) or _assigned(text, name):
                        continue
                    reported.add(name)
                    yield context.diagnostic(
                        self,
                        instruction.range,
                        f"${name} is declared before the first FROM, so it is empty in this stage: add "
                        f"`ARG {name}` after the FROM",
                        fix=_declare(context, stage, name),
                    )


def _text_of(context: DockerfileContext, instruction: Instruction) -> str:
    """What the instruction expands, single-quoted shell text blanked (the shell leaves it alone)."""
    if instruction.keyword == "RUN":
        if instruction.is_exec_form:
            return ""
        text = context.dockerfile.text[instruction.arguments_range.start : instruction.source_range.end]
        return _SINGLE_QUOTED.sub("", text)
    return " ".join(instruction.arguments) + " " + " ".join(instruction.flags)


def _declared_names(stage: Stage) -> dict[int, set[str]]:
    """By instruction index: the ARG and ENV names the stage chain has declared before it."""
    names: set[str] = set()
    for each in reversed(stage.lineage()[1:]):
        names |= _names_in(each.instructions)
    found: dict[int, set[str]] = {}
    for instruction in stage.instructions:
        found[instruction.index] = set(names)
        names |= _names_in((instruction,))
    return found


def _names_in(instructions: tuple[Instruction, ...]) -> set[str]:
    names: set[str] = set()
    for instruction in instructions:
        if instruction.keyword == "ARG":
            names |= {word.partition("=")[0] for word in instruction.arguments}
        elif instruction.keyword == "ENV":
            names |= set(instruction.arguments[::2])
    return names


def _assigned(text: str, name: str) -> bool:
    """Whether the script sets the variable itself (`NAME=1 && echo $NAME`, `for NAME in ...`)."""
    return re.search(rf"(?<![\w$]){re.escape(name)}=|\b(?:for|read)\s+{re.escape(name)}\b", text) is not None


def _chose_the_base(stage: Stage, name: str) -> bool:
    root = stage.lineage()[-1]
    return name.endswith("VERSION") and name in root.from_instruction.line


def _declare(context: DockerfileContext, stage: Stage, name: str) -> Fix | None:
    text = context.dockerfile.text
    end = stage.from_instruction.source_range.end - 1  # the range ends with the line's newline
    if text[end : end + 1] != "\n":
        return None
    keyword = "arg" if text[stage.from_instruction.keyword_range.start].islower() else "ARG"
    return Fix(f"Declare ARG {name} in the stage", (Edit.insert(end + 1, f"{keyword} {name}\n"),),
               Applicability.UNSAFE)  # fmt: skip


#: The signals Linux knows, as Docker's signal table names them (without "SIG").
_SIGNALS = frozenset(
    {
        "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL", "PIPE",
        "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP", "TTIN",
        "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX", "UNUSED",
    }
)  # fmt: skip
_REALTIME = LazyPattern(r"RTMIN\+(?:[1-9]|1[0-5])|RTMAX-(?:[1-9]|1[0-4])")


def is_valid_signal(text: str) -> bool:
    """Whether Docker accepts the signal: a number 1-64, or a Linux signal name with or without SIG."""
    if text.isdigit():
        return 1 <= int(text) <= 64
    name = text.upper().removeprefix("SIG")
    return name in _SIGNALS or _REALTIME.fullmatch(name) is not None


class InvalidStopSignal(DockerfileRule):
    """STOPSIGNAL names no signal that Linux knows (or a number outside 1-64).

    ## Why is this bad?
    BuildKit stores STOPSIGNAL as written without checking it. The mistake shows only when a container
    of the image is stopped or created: Docker refuses the signal, and the container cannot be stopped
    gracefully or does not start at all.

    ## Example
    ```dockerfile
    STOPSIGNAL SIGQUITE
    ```

    ## Use instead
    ```dockerfile
    STOPSIGNAL SIGQUIT
    ```
    """

    code = "DW060"
    name = "invalid-stop-signal"
    category = Category.SYNTAX
    severity = Severity.ERROR
    aliases = ()

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.dockerfile.instructions:
            if instruction.keyword != "STOPSIGNAL" or len(instruction.arguments) != 1:
                continue
            signal = instruction.arguments[0]
            if "$" in signal or is_valid_signal(signal):
                continue
            yield context.diagnostic(
                self, instruction.arguments_range, f"{signal} is not a signal Docker can send"
            )
