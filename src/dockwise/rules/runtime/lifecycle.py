"""Rules about how a container starts, stops, restarts, logs and is watched."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules._base import make_diagnostic
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

    Not reported for jobs: a container that runs to completion is never "healthy", it exits.

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
    applies_to = frozenset({"service"})

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

    Not reported for jobs: the lost SIGTERM matters to `docker stop` of a service; a job ends by itself.

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
    applies_to = frozenset({"service"})

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
    """Under Swarm, a restart policy with no health check: a hung task is never replaced.

    Only with `--target swarm`. Swarm replaces a task when it exits *or when its health check fails*, so
    under `docker stack deploy` the restart policy and the health check work together. A plain Docker
    Engine (`docker compose up`, `docker run --restart`) never acts on health: an unhealthy container
    keeps running whatever its restart policy, so adding a health check would not make `restart: always`
    recover a hang there, and the rule says nothing for the `compose` target. Not reported for jobs.

    ## Why is this bad?
    Under Swarm, `deploy.restart_policy` looks like self-healing, but without a health check Swarm only
    sees exits: a deadlocked process keeps its task, and its share of the traffic, forever.

    ## Example
    ```yaml
    services:
      api:
        image: example/api:1.4
        deploy:
          restart_policy: {condition: any}
    ```

    ## Use instead
    ```yaml
    services:
      api:
        image: example/api:1.4
        healthcheck:
          test: ["CMD", "/app/healthcheck"]
        deploy:
          restart_policy: {condition: any}
    ```
    """

    code = "DW732"
    name = "restart-without-healthcheck"
    category = Category.ORCHESTRATION
    severity = Severity.INFO
    applies_to = frozenset({"service"})

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        if context.target != "swarm" or spec.origin != "compose" or "restart" in spec.keys:
            return  # plain Docker: no restart policy acts on health; Swarm ignores `restart:` (DW750)
        if spec.restart in ("any", "on-failure") and (spec.healthcheck is None or spec.healthcheck.disabled):
            message = (
                f"{spec.name} has a Swarm restart policy but no health check: Swarm replaces a task that "
                "exits, never one that hangs, unless a health check fails"
            )  # not context.diagnostic: its Swarm note is about the `restart:` key, which is not used here
            where = spec.location("restart")
            yield make_diagnostic(self, spec.file_of("restart"), where, message, subject=context.subject)


class HealthcheckAlwaysPasses(RunSpecRule):
    """A health check that always passes: `exit 0`, `true`, or a check that falls back to one of them.

    `curl -f http://localhost/ || exit 0` and `probe; true` pass whatever the probe said.

    ## Why is this bad?
    It reports healthy whatever the application does: `depends_on: service_healthy` starts dependants
    against a server that is not up, and Swarm never replaces a hung task. A missing check at least does
    not pretend.

    ## Example
    ```yaml
    services:
      api:
        healthcheck:
          test: curl -fsS http://localhost:8080/health || exit 0
    ```

    ## Use instead
    ```yaml
    services:
      api:
        healthcheck:
          test: curl -fsS http://localhost:8080/health || exit 1
    ```
    """

    code = "DW734"
    name = "healthcheck-always-passes"
    category = Category.HEALTHCHECK
    severity = Severity.WARNING

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        health = context.spec.healthcheck
        if health is None or health.disabled or not health.test:
            return
        kind, words = health.test[0], health.test[1:]
        if kind == "CMD-SHELL":
            script = " ".join(words)
        elif kind == "CMD" and words:
            shell = posixpath.basename(words[0]) in ("sh", "bash", "ash", "dash")
            script = words[2] if shell and len(words) >= 3 and words[1] == "-c" else " ".join(words)
        else:
            return
        if always_passes(script):
            yield context.diagnostic(
                self, "healthcheck", f"{context.spec.name}'s health check always passes: {script.strip()}"
            )


#: Commands that succeed whatever happened before them.
_SUCCESS = frozenset({"exit 0", "true", "/bin/true", "/usr/bin/true", ":", "exit"})


def always_passes(script: str) -> bool:
    """`exit 0` or `true` alone, or as the fallback (`|| exit 0`) or last step (`; true`) of the script."""
    text = " ".join(script.split())
    if text in _SUCCESS:
        return True
    for separator in ("||", ";"):
        last = text.rpartition(separator)[2].strip()
        if separator in text and last in _SUCCESS - {"exit"}:
            return True
    return False


class StopSignalKill(RunSpecRule):
    """`stop_signal: SIGKILL` (or `KILL`, `9`, `--stop-signal`): the container is killed, never asked to stop.

    Not reported for jobs, which end by themselves rather than being stopped.

    ## Why is this bad?
    SIGKILL cannot be caught: on every `docker stop`, update or rollout the process dies mid-write, with
    no chance to drain connections, flush buffers or release locks, and the grace period is pointless.

    ## Example
    ```yaml
    services:
      worker:
        stop_signal: SIGKILL
    ```

    ## Use instead
    ```yaml
    services:
      worker:
        stop_signal: SIGTERM    # the default; or the signal the program handles (SIGQUIT for nginx)
        stop_grace_period: 30s
    ```
    """

    code = "DW735"
    name = "stop-signal-kill"
    category = Category.EXEC_FORM_SIGNALS
    severity = Severity.WARNING
    applies_to = frozenset({"service"})

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        signal = (context.spec.stop_signal or "").strip().upper()
        if signal in ("SIGKILL", "KILL", "9"):
            yield context.diagnostic(
                self,
                "stop_signal",
                f"{context.spec.name} is stopped with {context.spec.stop_signal}: "
                "it cannot shut down cleanly",
            )


class SecretInEnvironment(RunSpecRule):
    """A secret written in plain text in `environment` (`DB_PASSWORD: hunter2`, `- API_TOKEN=...`,
    `-e API_TOKEN=...`), a connection URL with a password under any name (`DATABASE_URL:
    postgres://app:pw@db/app`), or a `${DB_PASSWORD:-default}` that ships one.

    Values that only name a file (`/run/secrets/...`, `*_FILE`), come from a variable (`${DB_PASSWORD}`,
    `${DB_PASSWORD:?}`) or are placeholders (`changeme`, `<password>`) are fine. The finding names the
    variable, never its value.

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
        from dockwise.rules.runtime.secrets import secret_findings

        yield from secret_findings(self, context, "environment", ("environment",), "sets")


class UnboundedLogs(RunSpecRule):
    """`json-file` logging without `max-size`.

    Not reported for jobs: their logs end when they do.

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
    applies_to = frozenset({"service"})

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        if spec.logging_driver == "json-file" and "max-size" not in spec.logging_options:
            yield context.diagnostic(
                self, "logging_driver", f"{spec.name} logs to json-file without max-size"
            )


class ShortStopGracePeriod(RunSpecRule):
    """A stop grace period too short to shut down cleanly (below 5 seconds by default).

    Not reported for jobs, which are not stopped but end.

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
    applies_to = frozenset({"service"})

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

    Not reported for `docker run` lines, which are often one-off commands, for jobs (see README, "Jobs
    and services"), nor for services whose `restart: "no"` is written out.

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
    applies_to = frozenset({"service"})

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        if spec.origin == "compose" and spec.restart is None and "restart" not in spec.where:
            yield context.diagnostic(
                self, "restart", f"{spec.name} has no restart policy: it stays down after a crash or reboot"
            )
