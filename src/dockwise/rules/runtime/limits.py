"""Rules of the `resource-limits` category: memory, CPU and process limits."""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules.runtime._base import RunSpecContext, RunSpecRule


class NoMemoryLimit(RunSpecRule):
    """A container without a memory limit.

    Not reported for jobs (`docker run --rm` in a test script, a migration that exits): they run
    attended or for a bounded time, and a limit guessed without measuring more often kills a build than
    saves a host.

    ## Why is this bad?
    A leak or a burst takes all the host's memory: the kernel's OOM killer then picks a victim, which may
    be another container or the Docker daemon itself.

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
        deploy:
          resources:
            limits: {memory: 512m}
    ```
    """

    code = "DW701"
    name = "no-memory-limit"
    category = Category.RESOURCE_LIMITS
    severity = Severity.WARNING
    applies_to = frozenset({"service"})

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        memory = context.spec.memory
        if (memory is None and "memory" not in context.spec.where) or memory == 0:
            yield context.diagnostic(self, "memory", f"{context.spec.name} has no memory limit: set one")


class NoPidsLimit(RunSpecRule):
    """A container without a limit on its number of processes.

    Not reported for jobs, for the reason DW701 gives.

    ## Why is this bad?
    A fork bomb or a runaway worker pool exhausts the host's process table, and every container on the
    host stops being able to start processes.

    ## Example
    ```shell
    docker run -d example/worker:2
    ```

    ## Use instead
    ```shell
    docker run -d --pids-limit 200 example/worker:2
    ```
    """

    code = "DW702"
    name = "no-pids-limit"
    category = Category.RESOURCE_LIMITS
    severity = Severity.WARNING
    applies_to = frozenset({"service"})

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        unset = spec.pids_limit is None and "pids_limit" not in spec.where
        if unset or (spec.pids_limit is not None and spec.pids_limit <= 0):  # 0 and -1 mean unlimited
            yield context.diagnostic(self, "pids_limit", f"{spec.name} has no pids limit: set one (e.g. 200)")


class NoCpuLimit(RunSpecRule):
    """A container without a CPU limit.

    Not reported for jobs, for the reason DW701 gives.

    ## Why is this bad?
    One busy container can starve the others on the host; a limit makes its share predictable.

    ## Example
    ```yaml
    services:
      worker:
        image: example/worker:2
    ```

    ## Use instead
    ```yaml
    services:
      worker:
        image: example/worker:2
        deploy:
          resources:
            limits: {cpus: "1.0"}
    ```
    """

    code = "DW703"
    name = "no-cpu-limit"
    category = Category.RESOURCE_LIMITS
    severity = Severity.INFO
    applies_to = frozenset({"service"})

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        if spec.cpus is None and "cpus" not in spec.where:
            yield context.diagnostic(self, "cpus", f"{spec.name} has no CPU limit: set cpus")
