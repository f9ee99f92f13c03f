"""Rules about the process the image starts: one command per stage, and shell wrappers that keep the
shell as PID 1."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator

from dockwise.diagnostics import Applicability, Category, Diagnostic, Edit, Fix, Severity
from dockwise.dockerfile.shell import POSIX_SHELLS
from dockwise.dockerfile.tree import Instruction
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability
from dockwise.rules.dockerfile.instruction_fixes import init_entrypoint


class RepeatedStartInstruction(DockerfileRule):
    """More than one CMD, ENTRYPOINT or HEALTHCHECK in a stage: only the last one counts.

    ## Why is this bad?
    The earlier ones are silently ignored, so the file says two things and the image does one; usually
    a leftover from editing or from merging two Dockerfiles.

    ## Example
    ```dockerfile
    CMD ["npm", "start"]
    CMD ["node", "server.js"]
    ```

    ## Use instead
    ```dockerfile
    CMD ["node", "server.js"]
    ```
    """

    code = "DW450"
    name = "repeated-start-instruction"
    category = Category.EXEC_FORM_SIGNALS
    severity = Severity.WARNING
    aliases = ("DL4003", "DL4004", "DL3012", "MultipleInstructionsDisallowed")
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.stages:
            for keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
                found = [i for i in stage.instructions if i.keyword == keyword]
                for earlier in found[:-1]:
                    yield context.diagnostic(
                        self,
                        earlier.keyword_range,
                        f"this {keyword} is ignored: the one on line {found[-1].start_line} replaces it",
                    )


def _shell_wrapper(instruction: Instruction) -> str | None:
    """The script of an exec-form `["sh", "-c", "script"]` (also bash, `/bin/sh -ec` ...), else None."""
    words = instruction.arguments
    if not instruction.is_exec_form or len(words) < 3:
        return None
    if posixpath.basename(words[0]) not in POSIX_SHELLS:
        return None
    flags = words[1]
    if not (flags.startswith("-") and "c" in flags[1:]):
        return None
    return words[2] if len(words) == 3 else None


class ShellWrapperWithoutExec(DockerfileRule):
    """`CMD ["sh", "-c", "..."]` whose last command is not started with `exec`.

    The shell becomes PID 1 and the application its child. Some shells replace themselves with a lone
    last command as an optimisation, but not all (BusyBox ash, older dash) and not when the script sets
    traps or has several commands, so only an explicit `exec` guarantees that `docker stop`'s SIGTERM
    reaches the application. An init as ENTRYPOINT (tini, dumb-init) does not make the wrapper safe: it
    signals the shell, the shell dies without passing the signal on, the init exits, and the application
    is killed mid-request; so it is reported then too (as DW401 does). Where `exec` cannot help (the
    last command sits in a loop or an `if`), the fix makes an init the image installs PID 1 instead,
    which at least reaps and forwards.

    ## Why is this bad?
    The shell ignores SIGTERM as PID 1, the application never hears it, and after the grace period Docker
    kills everything: no graceful shutdown, dropped requests, 10 s slower deploys.

    ## Example
    ```dockerfile
    CMD ["sh", "-c", "./migrate && node server.js"]
    ```

    ## Use instead
    ```dockerfile
    CMD ["sh", "-c", "./migrate && exec node server.js"]
    ```
    """

    code = "DW451"
    name = "shell-wrapper-without-exec"
    category = Category.EXEC_FORM_SIGNALS
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    checks_triggers = False
    fix_safety = (
        "Unsafe: with `exec` the last command replaces the shell, so nothing the shell would do after "
        "it (traps, an exit status of its own) runs any more."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        stage = context.final_stage
        if stage is None:
            return
        shipped = context.shipped_instructions()
        entrypoints = [i for i in shipped if i.keyword == "ENTRYPOINT"]
        commands = [i for i in shipped if i.keyword == "CMD"]
        starters = [entrypoints[-1]] if entrypoints else []
        if commands and (not entrypoints or _shell_wrapper(entrypoints[-1]) is None):
            starters.append(commands[-1])
        for instruction in starters:
            script = _shell_wrapper(instruction)
            if script is None:
                continue
            last = _last_command_start(script)
            if last is not None and script[last:].startswith("exec "):
                continue
            exec_fix = _exec_fix(context, instruction, script, last) if last is not None else None
            yield context.diagnostic(
                self,
                instruction.arguments_range,
                f"{instruction.keyword} runs its command under a shell that stays PID 1: start the last "
                "command with exec so that it receives SIGTERM",
                fix=exec_fix or init_entrypoint(context),
            )


def _last_command_start(script: str) -> int | None:
    """Where the script's last command starts when it runs at the top level after `&&`, `;` or a newline
    (so that `exec` can go in front of it), else None."""
    from dockwise.dockerfile.shell import command_spans

    spans = command_spans(script)
    if not spans:
        return None
    start, end = spans[-1]
    before = script[:start].rstrip(" \t")
    if before and not before.endswith(("&&", ";", "\n")):
        return None  # inside a pipeline, a condition ...
    if script[end:].strip(" \t\n;"):
        return None  # inside a subshell, a loop, an if: exec there would not replace the shell
    return start


def _exec_fix(context: DockerfileContext, instruction: Instruction, script: str, last: int) -> Fix | None:
    """Unsafe: put `exec` before the last command, rewriting the JSON array."""
    words = [*instruction.arguments[:2], script[:last] + "exec " + script[last:]]
    return Fix(
        "Start the last command with exec",
        (Edit(instruction.arguments_range, json.dumps(words, ensure_ascii=False)),),
        Applicability.UNSAFE,
    )
