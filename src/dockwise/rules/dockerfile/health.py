"""Rules of the `exec-form-signals` and `healthcheck` categories about what the shipped image starts and
how Docker probes it: a package manager as PID 1, a health probe the image cannot run, an exit status
Docker reserves.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.dockerfile.build import Stage
from dockwise.dockerfile.tree import Instruction
from dockwise.patterns import LazyPattern
from dockwise.rules._base import DockerfileContext, DockerfileRule
from dockwise.rules.dockerfile.instruction_fixes import INIT_PROGRAMS
from dockwise.rules.dockerfile.signals import _program, _start_config

_PACKAGE_RUNNERS = frozenset({"npm", "yarn", "pnpm"})


def _command_words(instruction: Instruction) -> list[str]:
    if instruction.is_exec_form:
        words = list(instruction.arguments)
        if len(words) >= 3 and posixpath.basename(words[0]) in ("sh", "bash") and words[1] == "-c":
            words = words[2].split()
        return words
    return instruction.arguments[0].split() if instruction.arguments else []


class PackageManagerAsInit(DockerfileRule):
    """`npm start`, `yarn start` or `pnpm start` as the container's command: the package manager is PID 1.

    ## Why is this bad?
    npm runs the start script in a child shell and does not pass SIGTERM on reliably, so `docker stop`
    waits its grace period and kills the application without a clean shutdown (open requests and
    connections are cut). It also keeps a second Node.js process and its memory alive for nothing.

    ## Example
    ```dockerfile
    CMD ["npm", "start"]
    ```

    ## Use instead
    ```dockerfile
    CMD ["node", "server.js"]
    ```
    """

    code = "DW405"
    name = "package-manager-as-init"
    category = Category.EXEC_FORM_SIGNALS
    severity = Severity.WARNING
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        start = _start_config(context)
        if start.entrypoint is not None and _program(start.entrypoint) in INIT_PROGRAMS:
            return  # an init is PID 1 and passes the stop signal on
        for instruction in (start.entrypoint, start.cmd):
            if instruction is None:
                continue
            words = _command_words(instruction)
            words = [w for w in words if w != "exec"]
            if len(words) < 2 or posixpath.basename(words[0]) not in _PACKAGE_RUNNERS:
                continue
            if words[1] == "start":
                shown, script = words[:2], "start"
            elif words[1] in ("run", "run-script") and len(words) > 2:
                shown, script = words[:3], words[2]
            else:
                continue
            runner = posixpath.basename(words[0])
            yield context.diagnostic(
                self,
                instruction.range,
                f"`{' '.join(shown)}` makes {runner} PID 1, which does not forward SIGTERM: start the "
                f"program of the {script} script directly",
            )
            return


#: Base images without a shell or download tools (their `-debug`/`-dev` variants have busybox or a shell).
_MINIMAL_REGISTRIES = ("gcr.io/distroless/", "cgr.dev/chainguard/")
_PROBE_TOOLS = frozenset({"curl", "wget", "sh", "bash", "nc", "ash"})


def _is_minimal(stage: Stage) -> bool:
    root = stage.lineage()[-1]
    if root.is_scratch:
        return True
    base = root.base
    if base is None:
        return False
    full = f"{base.registry}/{base.repository}"
    tag = base.tag or ""
    return full.startswith(_MINIMAL_REGISTRIES) and "debug" not in tag and "dev" not in tag


class HealthcheckToolMissing(DockerfileRule):
    """A HEALTHCHECK that runs `curl`, `wget` or a shell in a `scratch` or distroless image that has none.

    ## Why is this bad?
    The probe fails to start ("executable file not found"), so the container is marked unhealthy
    forever: orchestrators restart it or never route traffic to it, though the service works. Shell form
    (`HEALTHCHECK CMD curl ...`) needs `/bin/sh` too.

    ## Example
    ```dockerfile
    FROM gcr.io/distroless/static-debian12
    COPY --from=build /app /app
    HEALTHCHECK CMD curl -f http://localhost:8080/health || exit 1
    ```

    ## Use instead
    ```dockerfile
    FROM gcr.io/distroless/static-debian12
    COPY --from=build /app /app
    HEALTHCHECK CMD ["/app", "healthcheck"]
    ```
    """

    code = "DW406"
    name = "healthcheck-tool-missing"
    category = Category.HEALTHCHECK
    severity = Severity.ERROR
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        final = context.final_stage
        if final is None or not _is_minimal(final):
            return
        checks = [i for i in context.shipped_instructions() if i.keyword == "HEALTHCHECK"]
        if not checks or len(checks[-1].arguments) < 2 or checks[-1].arguments[0].upper() != "CMD":
            return
        health = checks[-1]
        copied = " ".join(
            " ".join(i.arguments) for i in context.shipped_instructions() if i.keyword in ("COPY", "ADD")
        )
        if health.is_exec_form:
            program = posixpath.basename(health.arguments[1])
            if program not in _PROBE_TOOLS or re.search(rf"\b{re.escape(program)}\b", copied):
                return
            message = f"the health check runs {program}, which this image does not have"
        else:
            if re.search(r"\b(?:sh|busybox)\b", copied):
                return
            message = "a shell-form health check runs /bin/sh, which this image does not have"
        yield context.diagnostic(self, health.range, message + ": it can never pass")


_EXIT_STATUS = LazyPattern(r"\bexit\s+(\d+)")


class HealthcheckReservedExitCode(DockerfileRule):
    """A health check that exits with a status other than 0 or 1 (`|| exit 2`).

    ## Why is this bad?
    Docker defines 0 as healthy and 1 as unhealthy; 2 is reserved and other values are not meant for
    health checks. Scripts copied from examples often use `exit 2` or `exit 255` on failure, which tools
    built on the convention may not read as "unhealthy".

    ## Example
    ```dockerfile
    HEALTHCHECK CMD pg_isready -U app || exit 2
    ```

    ## Use instead
    ```dockerfile
    HEALTHCHECK CMD pg_isready -U app || exit 1
    ```
    """

    code = "DW407"
    name = "healthcheck-reserved-exit-code"
    category = Category.HEALTHCHECK
    severity = Severity.WARNING

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for health in context.dockerfile.instructions:
            if health.keyword != "HEALTHCHECK" or len(health.arguments) < 2:
                continue
            script = " ".join(health.arguments[1:])
            for match in _EXIT_STATUS.finditer(script):
                if match.group(1) not in ("0", "1"):
                    yield context.diagnostic(
                        self,
                        health.locate(match.group(0)),
                        f"the health check exits {match.group(1)}: Docker reads 0 as healthy and 1 as "
                        "unhealthy, and reserves 2",
                    )
                    break
