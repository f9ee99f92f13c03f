"""Rules about how a container starts, stops, restarts, logs and is watched."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules.runtime._base import RunSpecContext, RunSpecRule

#: Names that end in a secret's word (`DB_PASSWORD`, `deploy.password`, `AWS_SECRET_ACCESS_KEY`); not
#: `TOKEN_URL` or `PASSWORD_POLICY`, which describe one.
_SECRET_NAME = re.compile(
    r"(?:^|[_.\-])(?:PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)$",
    re.IGNORECASE,
)
_NOT_A_SECRET_VALUE = re.compile(r"^(?:/run/secrets/.*|/.*_FILE|true|false|yes|no|\d{1,5}|changeme)$")


def secret_like(name: str, value: str) -> bool:
    """A variable that holds a secret: a secret-like name and a value that is not a file name or a flag."""
    return bool(value) and bool(_SECRET_NAME.search(name)) and not _NOT_A_SECRET_VALUE.match(value)


class NoHealthcheck(RunSpecRule):
    """A service without a health check, or with `disable: true`.

    The image's own HEALTHCHECK is not visible from the Compose file or the command line, so the finding
    is informational and its message says so; `disable: true` (or `--no-healthcheck`) is always reported.

    ## Why is this bad?
    Without it Docker (and `depends_on: condition: service_healthy`, Swarm rollouts, `restart`) treats a
    hung process as running: traffic keeps flowing to a container that no longer answers.

    ## Example
    ```yaml
    services:
      api:
        image: example/api:1.4
    ```

    ## Use instead
    ```yaml
    services:
      api:
        image: example/api:1.4
        healthcheck:
          test: ["CMD", "/app/healthcheck"]
          interval: 30s
    ```
    """

    code = "DW730"
    name = "no-healthcheck"
    category = Category.HEALTHCHECK
    severity = Severity.INFO

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        health = context.spec.healthcheck
        if health is not None and health.disabled:
            yield context.diagnostic(self, "healthcheck", f"{context.spec.name} disables its health check")
        elif health is None:
            yield context.diagnostic(
                self,
                "healthcheck",
                f"{context.spec.name} has no health check here (unless its image defines a HEALTHCHECK)",
            )


class ShellCommandWithoutInit(RunSpecRule):
    """The command runs under `sh -c` (without `exec`) and no init is PID 1.

    ## Why is this bad?
    The shell becomes PID 1, ignores SIGTERM and does not pass it on: `docker stop` waits out the grace
    period and kills the application mid-request.

    ## Example
    ```yaml
    services:
      worker:
        command: ["sh", "-c", "./migrate && ./worker"]
    ```

    ## Use instead
    ```yaml
    services:
      worker:
        init: true
        command: ["sh", "-c", "./migrate && exec ./worker"]
    ```
    """

    code = "DW731"
    name = "shell-command-without-init"
    category = Category.EXEC_FORM_SIGNALS
    severity = Severity.WARNING

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        command = spec.command
        if spec.init or not isinstance(command, tuple) or len(command) < 3:
            return
        if posixpath.basename(command[0]) not in ("sh", "bash", "ash", "dash") or "c" not in command[1]:
            return
        script = command[2]
        last = re.split(r"&&|;|\|\||\n", script)[-1].strip()
        if not last.startswith("exec "):
            yield context.diagnostic(
                self,
                "command",
                f"{spec.name} runs its command under a shell that stays PID 1: set init: true or start the "
                "last command with exec",
            )


class RestartWithoutHealthcheck(RunSpecRule):
    """`restart: always` (or `unless-stopped`) with no health check.

    ## Why is this bad?
    Docker restarts a container only when it exits; a hung one with no health check is never restarted,
    so the policy gives a false sense of self-healing.

    ## Example
    ```yaml
    services:
      api:
        restart: always
    ```

    ## Use instead
    ```yaml
    services:
      api:
        restart: unless-stopped
        healthcheck:
          test: ["CMD", "/app/healthcheck"]
    ```
    """

    code = "DW732"
    name = "restart-without-healthcheck"
    category = Category.ORCHESTRATION
    severity = Severity.INFO

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        if spec.restart in ("always", "unless-stopped", "any") and (
            spec.healthcheck is None or spec.healthcheck.disabled
        ):
            yield context.diagnostic(
                self,
                "restart",
                f"{spec.name} restarts {spec.restart} but has no health check to detect a hang",
            )


class SecretInEnvironment(RunSpecRule):
    """A secret written in plain text in `environment` (`DB_PASSWORD: hunter2`, `-e API_TOKEN=...`).

    Values that only name a file (`/run/secrets/...`, `*_FILE`) or come from a variable (`${DB_PASSWORD}`)
    are fine.

    ## Why is this bad?
    The value sits in the repository, in `docker inspect`, in the container's `/proc/1/environ` and in
    every log that dumps the environment.

    ## Example
    ```yaml
    services:
      api:
        environment:
          API_TOKEN: s3cr3t-value
    ```

    ## Use instead
    ```yaml
    services:
      api:
        secrets: [api_token]
    secrets:
      api_token: {file: ./secrets/api_token}
    ```
    """

    code = "DW740"
    name = "secret-in-environment"
    category = Category.SECRETS_IN_IMAGE
    severity = Severity.WARNING

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        block_start = context.spec.location("environment").start
        for name, value in context.spec.environment.items():
            if not value or not secret_like(name, value):
                continue
            if (
                context.spec.origin == "compose"
                and value not in context.text[block_start : block_start + 20000]
            ):
                continue  # the value came from `${VAR}`, not from the file
            yield context.diagnostic(
                self, "environment", f"{context.spec.name} sets {name} in plain text: use a secret"
            )
            return


class UnboundedLogs(RunSpecRule):
    """`json-file` logging without `max-size`.

    ## Why is this bad?
    The json-file driver keeps every line forever by default: a chatty container fills the host's disk.

    ## Example
    ```yaml
    services:
      api:
        logging: {driver: json-file}
    ```

    ## Use instead
    ```yaml
    services:
      api:
        logging: {driver: json-file, options: {max-size: 10m, max-file: "3"}}
    ```
    """

    code = "DW741"
    name = "unbounded-logs"
    category = Category.ORCHESTRATION
    severity = Severity.WARNING

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        if spec.logging_driver == "json-file" and "max-size" not in spec.logging_options:
            yield context.diagnostic(
                self, "logging_driver", f"{spec.name} logs to json-file without max-size"
            )


class ShortStopGracePeriod(RunSpecRule):
    """A stop grace period too short to shut down cleanly (below 5 seconds by default).

    ## Why is this bad?
    After SIGTERM Docker waits this long, then kills: requests in flight are cut and buffers are lost.

    ## Example
    ```yaml
    services:
      api:
        stop_grace_period: 1s
    ```

    ## Use instead
    ```yaml
    services:
      api:
        stop_grace_period: 30s
    ```
    """

    code = "DW742"
    name = "short-stop-grace-period"
    category = Category.EXEC_FORM_SIGNALS
    severity = Severity.WARNING

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        period = context.spec.stop_grace_period
        if period is not None and period < context.min_stop_grace_period:
            yield context.diagnostic(
                self,
                "stop_grace_period",
                f"{context.spec.name} gets {period:g}s to stop: give it at least "
                f"{context.min_stop_grace_period:g}s to drain",
            )


class RestartPolicyMissing(RunSpecRule):
    """A Compose service with no restart policy (neither `restart` nor `deploy.restart_policy`).

    Not reported for `docker run` lines, which are often one-off commands, nor for services that exit
    by design (`restart: "no"` written out).

    ## Why is this bad?
    After a crash, or a reboot of the host, the service stays down until someone notices.

    ## Example
    ```yaml
    services:
      api:
        image: example/api:1.4
    ```

    ## Use instead
    ```yaml
    services:
      api:
        image: example/api:1.4
        restart: unless-stopped
    ```
    """

    code = "DW733"
    name = "restart-policy-missing"
    category = Category.ORCHESTRATION
    severity = Severity.INFO

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        if spec.origin == "compose" and spec.restart is None and "restart" not in spec.where:
            yield context.diagnostic(
                self, "restart", f"{spec.name} has no restart policy: it stays down after a crash or reboot"
            )
