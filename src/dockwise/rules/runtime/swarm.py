"""Rules that apply when Compose files are deployed with `docker stack deploy` (`--target swarm`)."""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules._base import make_diagnostic
from dockwise.rules.runtime._base import RunSpecContext, RunSpecRule

#: Service keys docker/cli's stack loader refuses ("forbidden") or its v3 schema does not know.
_REFUSED = {
    "mem_limit": "set deploy.resources.limits.memory", "memswap_limit": "remove it",
    "cpu_shares": "set deploy.resources", "cpu_quota": "set deploy.resources",
    "cpuset": "set deploy.resources",
    "extends": "inline the base service", "volumes_from": "use named volumes",
    "cpus": "set deploy.resources.limits.cpus", "pids_limit": "set deploy.resources.limits.pids",
    "mem_reservation": "set deploy.resources.reservations.memory", "oom_kill_disable": "remove it",
    "platform": "use deploy.placement", "profiles": "split the stack",
}  # fmt: skip
#: Service keys it drops (with or without a warning): the setting silently does not apply.
_IGNORED = {
    "security_opt": "set no-new-privileges and seccomp in the daemon's configuration",
    "privileged": "it is not applied", "tmpfs": "use a volume of `type: tmpfs`",
    "restart": "use deploy.restart_policy", "network_mode": "it is not applied", "pid": "it is not applied",
    "ipc": "it is not applied", "userns_mode": "it is not applied", "cgroup_parent": "it is not applied",
    "devices": "it is not applied", "shm_size": "it is not applied", "build": "push an image and name it",
    "container_name": "Swarm names tasks itself", "expose": "it is not applied", "links": "use networks",
}  # fmt: skip


class SwarmIneffectiveSetting(RunSpecRule):
    """A Compose key that `docker stack deploy` refuses or silently drops (only with `--target swarm`).

    The stack loader validates against its own v3 schema and forbids the v2 resource keys (`mem_limit`,
    `cpus`, `pids_limit` ...) and an unquoted `deploy.resources.limits.cpus: 0.5` (the schema wants the
    string "0.5"), and it drops `security_opt`, `privileged`, service-level `tmpfs`,
    `restart` and more without applying them: a hardening setting that looks present is not. A port's
    host IP (`127.0.0.1:5432:5432`) is dropped too (docker/cli warns "ignoring IP-address"): Swarm
    publishes on every interface, through the routing mesh, whatever the file says.

    ## Why is this bad?
    A refused key fails the deploy; a dropped one leaves the service without the protection the file
    promises (no-new-privileges, a read-only-friendly tmpfs, a restart policy).

    ## Example
    ```yaml
    services:
      api:
        image: example/api:1.4
        mem_limit: 512m
        security_opt: ["no-new-privileges:true"]
    ```

    ## Use instead
    ```yaml
    services:
      api:
        image: example/api:1.4
        deploy:
          resources:
            limits: {memory: 512m}
    # and "no-new-privileges": true in /etc/docker/daemon.json on every node
    ```
    """

    code = "DW750"
    name = "swarm-ineffective-setting"
    category = Category.ORCHESTRATION
    severity = Severity.WARNING

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        if context.target != "swarm" or context.spec.origin != "compose":
            return
        for key, (path, where) in context.spec.keys.items():
            if key in _REFUSED:
                message = f"docker stack deploy refuses `{key}`: {_REFUSED[key]}"
            elif key in _IGNORED:
                message = f"docker stack deploy ignores `{key}`: {_IGNORED[key]}"
            else:
                continue
            yield make_diagnostic(self, path, where, message, subject=context.subject)
        for index, port in enumerate(context.spec.ports):
            if port.host_ip not in (None, "", "0.0.0.0", "::", "[::]"):
                yield context.item_diagnostic(
                    self,
                    "ports",
                    index,
                    f"docker stack deploy ignores the host IP {port.host_ip} of port {port.target}: "
                    "Swarm publishes it on every interface of every node",
                )
        numeric = _numeric_limit_cpus(context)
        if numeric is not None:
            yield context.diagnostic(
                self,
                "cpus",
                f"docker stack deploy refuses `cpus: {numeric}` unquoted (its v3 schema wants a string): "
                f'write cpus: "{numeric}"',
            )


def _numeric_limit_cpus(context: RunSpecContext) -> str | None:
    """The value of `deploy.resources.limits.cpus` when it is written as a YAML number."""
    spec = context.spec
    where = spec.where.get("cpus")
    own = spec.keys.get("cpus")
    if where is None or (own is not None and own[1] == where and own[0] == spec.file_of("cpus")):
        return None  # not set, or set by the service-level key (refused above)
    written = context.text_of("cpus")[where.start : where.end]
    key, colon, value = written.partition(":")
    value = value.split(" #", 1)[0].strip()
    if key.strip() != "cpus" or not colon or not value:
        return None
    try:
        float(value)
    except ValueError:
        return None  # quoted, or `${CPUS}` (docker/cli interpolates it into a string)
    return value
