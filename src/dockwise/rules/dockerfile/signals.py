"""Rules of the `exec-form-signals` and `healthcheck` categories: how the shipped process starts and is
watched.

Several rules need the ENTRYPOINT and CMD the image really starts with, which is not simply the last of
each: BuildKit clears the inherited CMD when a stage sets ENTRYPOINT without a CMD before it, and a
shell-form ENTRYPOINT never receives the CMD. `_start_config` computes that once.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockwise.diagnostics import Applicability, Category, Diagnostic, Severity
from dockwise.dockerfile.shell import POSIX_SHELLS
from dockwise.dockerfile.tree import Instruction
from dockwise.record import Record
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability
from dockwise.rules.dockerfile.instruction_fixes import INIT_PROGRAMS, exec_form

#: Inits that only run the command they are given (s6-overlay's `/init` supervises services on its own).
_COMMAND_INITS = frozenset({"tini", "tini-static", "dumb-init", "catatonit", "docker-init"})


class _StartConfig(Record):
    """The ENTRYPOINT and CMD in force at the end of the shipped stages."""

    __slots__ = ("cleared", "cmd", "entrypoint")
    entrypoint: Instruction | None
    cmd: Instruction | None
    """None when no CMD is set in the file, or when an ENTRYPOINT cleared it."""
    cleared: Instruction | None
    """A CMD of an earlier stage that a later stage's ENTRYPOINT cleared (when no CMD replaced it)."""

    def __init__(
        self, entrypoint: Instruction | None, cmd: Instruction | None, cleared: Instruction | None
    ) -> None:
        object.__setattr__(self, "entrypoint", entrypoint)
        object.__setattr__(self, "cmd", cmd)
        object.__setattr__(self, "cleared", cleared)


def _start_config(context: DockerfileContext) -> _StartConfig:
    """Walk the shipped stages as BuildKit dispatches them: CMD sets the command; ENTRYPOINT clears the
    CMD the stage inherited (from its base image or stage) unless the stage set a CMD before it."""
    entrypoint: Instruction | None = None
    cmd: Instruction | None = None
    cleared: Instruction | None = None
    for stage in reversed(context.shipped_stages()):
        cmd_set_here = False
        for instruction in stage.instructions:
            if instruction.keyword == "CMD":
                cmd, cleared, cmd_set_here = instruction, None, True
            elif instruction.keyword == "ENTRYPOINT":
                entrypoint = instruction
                if not cmd_set_here:
                    cleared = cmd if cmd is not None else cleared
                    cmd = None
    return _StartConfig(entrypoint, cmd, cleared)


def _program(instruction: Instruction | None) -> str | None:
    """The program an exec-form instruction starts (its basename), else None."""
    if instruction is None or not instruction.is_exec_form or not instruction.arguments:
        return None
    return posixpath.basename(instruction.arguments[0])


def _init_command(instruction: Instruction) -> tuple[str, ...]:
    """The command an exec-form init ENTRYPOINT runs by itself: the words after `--`, or, without `--`,
    the words after its options."""
    words = instruction.arguments[1:]
    if "--" in words:
        return words[words.index("--") + 1 :]
    return tuple(word for word in words if not word.startswith("-"))


class ShellFormCommand(DockerfileRule):
    """CMD or ENTRYPOINT in shell form, so a shell is PID 1 and signals do not reach the process.

    Some shells (bash, dash since 0.5.11) replace themselves with a lone simple command, but BusyBox
    and older shells may not, nor reliably for `a && b`; the exec form does not depend on it. A SHELL
    set to bash does not make it safe either (BuildKit's JSONArgsRecommended stays quiet then).
    An init as ENTRYPOINT (`["tini", "--"]`) does not make a shell-form CMD safe: the init runs
    `/bin/sh -c "..."` and sends SIGTERM to that shell, which dies at once; the init then
    exits and the command is killed without a graceful shutdown. Not reported: a CMD that a shell-form
    ENTRYPOINT ignores anyway (DW403 reports that), a SHELL that is not a POSIX shell (Windows images,
    which stop containers differently), and `HEALTHCHECK CMD` in shell form, which hadolint's DL3025 also
    reports although a health probe is never PID 1 and needs no signals.

    ## Why is this bad?
    `CMD npm start` runs `/bin/sh -c "npm start"`: the shell becomes PID 1 and does not forward SIGTERM.
    `docker stop` waits out its grace period and then kills the container, so connections are cut and
    nothing shuts down cleanly.

    ## Example
    ```dockerfile
    CMD npm start
    ```

    ## Use instead
    ```dockerfile
    CMD ["node", "server.js"]
    ```
    """

    code = "DW401"
    name = "shell-form-command"
    category = Category.EXEC_FORM_SIGNALS
    severity = Severity.WARNING
    aliases = ("DL3025", "JSONArgsRecommended")
    fix_availability = FixAvailability.SOMETIMES
    checks_triggers = False
    fix_safety = (
        "Mixed: safe for plain words when no ENTRYPOINT receives the CMD: the shell would only split "
        "them and start the program, so the same program runs with the same arguments. Unsafe when "
        "the command needs the shell (the fix keeps the shell and puts `exec` in front), or when the "
        "CMD is the ENTRYPOINT's arguments (it gets the words instead of `/bin/sh -c ...`)."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        entrypoint = _start_config(context).entrypoint
        ignored_cmd = entrypoint is not None and not entrypoint.is_exec_form
        for instruction in context.shipped_instructions():
            if instruction.keyword not in ("CMD", "ENTRYPOINT") or instruction.is_exec_form:
                continue
            if not instruction.arguments or (instruction.keyword == "CMD" and ignored_cmd):
                continue
            shell = context.shell_for(instruction)
            if posixpath.basename(shell[0]) not in POSIX_SHELLS:
                continue
            fix = None if instruction.flags else exec_form(context, instruction)  # `CMD --x` fails: DW002
            if fix is not None and instruction.keyword == "CMD" and entrypoint is not None:
                # The ENTRYPOINT gets the words instead of `/bin/sh -c ...`: its own handling may differ.
                fix = fix.replace(applicability=Applicability.UNSAFE)
            yield context.diagnostic(
                self,
                instruction.range,
                _shell_form_message(instruction, " ".join(shell), entrypoint),
                fix=fix,
            )


def _shell_form_message(instruction: Instruction, shell: str, entrypoint: Instruction | None) -> str:
    program = _program(entrypoint) if instruction.keyword == "CMD" else None
    if program in INIT_PROGRAMS:
        return (
            f"CMD in shell form runs as `{shell} ...` under {program}, which sends SIGTERM to the shell, "
            "not to the command: use the JSON (exec) form"
        )
    if program is not None:
        return (
            f"CMD in shell form reaches the ENTRYPOINT as the arguments `{shell} ...`, so a shell that does "
            "not forward SIGTERM runs the command: use the JSON (exec) form"
        )
    return (
        f"{instruction.keyword} in shell form runs under {shell}, which does not forward SIGTERM: use the "
        "JSON (exec) form"
    )


class CmdIgnoredByShellEntrypoint(DockerfileRule):
    """A CMD in an image whose ENTRYPOINT is in shell form, which never runs it.

    ## Why is this bad?
    A shell-form ENTRYPOINT runs `/bin/sh -c "..."` and passes it neither the CMD nor the arguments of
    `docker run`: the CMD is dead text, and whatever it was meant to start or configure does not happen.

    ## Example
    ```dockerfile
    ENTRYPOINT /usr/local/bin/server
    CMD ["--port", "8080"]
    ```

    ## Use instead
    ```dockerfile
    ENTRYPOINT ["/usr/local/bin/server"]
    CMD ["--port", "8080"]
    ```
    """

    code = "DW403"
    name = "cmd-ignored-by-shell-entrypoint"
    category = Category.EXEC_FORM_SIGNALS
    severity = Severity.WARNING
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        config = _start_config(context)
        entrypoint, cmd = config.entrypoint, config.cmd
        if entrypoint is None or cmd is None or entrypoint.is_exec_form or not entrypoint.arguments:
            return
        yield context.diagnostic(
            self,
            cmd.range,
            f"this CMD is never run: the ENTRYPOINT on line {entrypoint.start_line} is in shell form, which "
            "ignores CMD and `docker run` arguments; write the ENTRYPOINT in the JSON (exec) form",
        )


class EntrypointWithoutCommand(DockerfileRule):
    """An init or entrypoint wrapper as ENTRYPOINT, with the CMD it should run cleared.

    Setting ENTRYPOINT in a stage clears the CMD the stage inherits (from the base image, or from the
    stage it is built FROM) unless the stage sets CMD before it. Reported when the shipped image ends up
    with no CMD and its ENTRYPOINT only runs a command it is given: an init (tini, dumb-init, catatonit)
    with nothing after its options, or an `*entrypoint*` script when a CMD of an earlier stage was
    cleared. s6-overlay's `/init` runs its services without a command and is not reported.

    ## Why is this bad?
    The container starts the init with nothing to run: tini and dumb-init print their usage and exit, so
    the container stops at once unless every `docker run` passes a command. The CMD written in the base
    stage looks inherited but is gone.

    ## Example
    ```dockerfile
    FROM node:22-slim AS app
    CMD ["node", "server.js"]

    FROM app
    RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
    ENTRYPOINT ["tini", "--"]
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim AS app
    CMD ["node", "server.js"]

    FROM app
    RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
    ENTRYPOINT ["tini", "--"]
    CMD ["node", "server.js"]
    ```
    """

    code = "DW404"
    name = "entrypoint-without-command"
    category = Category.EXEC_FORM_SIGNALS
    severity = Severity.WARNING
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        config = _start_config(context)
        entrypoint, cleared = config.entrypoint, config.cleared
        program = _program(entrypoint)
        if entrypoint is None or program is None or config.cmd is not None:
            return
        bare_init = program in _COMMAND_INITS and not _init_command(entrypoint)
        bare_script = "entrypoint" in program.lower() and len(entrypoint.arguments) == 1
        if not (bare_init or (bare_script and cleared is not None)):
            return
        if cleared is not None:
            reason = f"this ENTRYPOINT clears the CMD on line {cleared.start_line}"
        else:
            reason = "this ENTRYPOINT clears the base image's CMD and the image sets none"
        yield context.diagnostic(
            self,
            entrypoint.arguments_range,
            f"{program} starts without a command: {reason}; add a CMD after the ENTRYPOINT",
        )


class MissingHealthcheck(DockerfileRule):
    """The shipped image EXPOSEs a port but has no HEALTHCHECK.

    ## Why is this bad?
    A service that listens on a port can hang while its process stays alive. Without a health check,
    Docker, Compose and Swarm report it as running, restart policies never trigger, and dependants start
    against it too early.

    ## Example
    ```dockerfile
    EXPOSE 8080
    CMD ["/app"]
    ```

    ## Use instead
    ```dockerfile
    EXPOSE 8080
    HEALTHCHECK --interval=30s --timeout=3s CMD ["/app", "healthcheck"]
    CMD ["/app"]
    ```
    """

    code = "DW402"
    name = "missing-healthcheck"
    category = Category.HEALTHCHECK
    severity = Severity.INFO
    aliases = ("CKV_DOCKER_2", "DS026")
    checks_triggers = False
    checks_fragments = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        instructions = context.shipped_instructions()
        if any(instruction.keyword == "HEALTHCHECK" for instruction in instructions):
            return
        exposes = [instruction for instruction in instructions if instruction.keyword == "EXPOSE"]
        if exposes:
            yield context.diagnostic(
                self,
                exposes[-1].range,
                "the image listens on a port but has no HEALTHCHECK: add one "
                "(or `HEALTHCHECK NONE` on purpose)",
            )
