"""Rules of the `exec-form-signals` and `healthcheck` categories: how the shipped process starts and is
watched."""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability
from dockwise.rules.dockerfile.instruction_fixes import exec_form


class ShellFormCommand(DockerfileRule):
    """CMD or ENTRYPOINT in shell form, so a shell is PID 1 and signals do not reach the process.

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

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.shipped_instructions():
            if instruction.keyword in ("CMD", "ENTRYPOINT") and not instruction.is_exec_form:
                if not instruction.arguments:
                    continue
                yield context.diagnostic(
                    self,
                    instruction.range,
                    f"{instruction.keyword} in shell form runs under /bin/sh -c, which does not forward "
                    "SIGTERM: use the JSON (exec) form",
                    fix=exec_form(context, instruction),
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
