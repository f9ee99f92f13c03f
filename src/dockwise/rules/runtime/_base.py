"""What a runtime rule is: a check over one RunSpec (a Compose service or a `docker run` line), with the
rest of its project in view and the deployment target that decides which settings take effect."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from dockwise.diagnostics import Diagnostic, Fix
from dockwise.rules._base import Rule, make_diagnostic
from dockwise.runspec.model import RunSpec

TARGETS = ("compose", "swarm")
WORKLOADS = frozenset({"service", "job"})
"""What a container is (see `dockwise.runspec.workload`): it runs until stopped, or to completion."""

#: Service settings `docker stack deploy` drops or refuses (research: docker/cli's stack loader).
SWARM_IGNORES = {
    "security_opt": "docker stack deploy ignores security_opt: set no-new-privileges in the daemon's config",
    "privileged": "docker stack deploy ignores privileged",
    "tmpfs": "docker stack deploy drops service-level tmpfs: use a `type: tmpfs` volume",
    "restart": "docker stack deploy ignores restart: use deploy.restart_policy",
    "host_ip": "docker stack deploy cannot bind a port to a host IP: use `mode: host` ports",
    "network_mode": "docker stack deploy ignores network_mode",
    "pid": "docker stack deploy ignores pid",
    "ipc": "docker stack deploy ignores ipc",
    "userns": "docker stack deploy ignores userns_mode",
}


@dataclass(frozen=True, slots=True)
class RunSpecContext:
    """What a runtime rule sees."""

    spec: RunSpec
    services: Mapping[str, RunSpec] = field(default_factory=dict)
    """Every service of the project (one entry, the spec itself, for a `docker run` line)."""
    networks: tuple[str, ...] = ()
    """The networks the project declares."""
    target: str = "compose"
    text: str = ""
    """The text of the file the spec came from."""
    texts: Mapping[str, str] = field(default_factory=dict)
    """The text of every file of a merged Compose project, by path."""
    min_stop_grace_period: float = 5.0
    declared: Mapping[str, tuple[str, ...]] | None = None
    """The `networks`, `volumes`, `secrets` and `configs` the Compose project declares; None when that
    is not known (a `docker run` line, a project that `include`s files not read)."""
    dotenv: frozenset[str] = frozenset()
    """The variables the project's `.env` defines (Compose interpolates them at load time)."""

    def diagnostic(
        self, rule: type[Rule] | Rule, field_name: str, message: str, *, fix: Fix | None = None
    ) -> Diagnostic:
        """A diagnostic at the key or flag that set `field_name` (the service or command when unset)."""
        note = SWARM_IGNORES.get(field_name) if self.target == "swarm" else None
        notes = (note,) if note else ()
        path = self.spec.file_of(field_name)
        where = self.spec.location(field_name)
        return make_diagnostic(rule, path, where, message, fix=fix, notes=notes, subject=self.subject)

    @property
    def subject(self) -> str:
        """How the text report names what the finding is about: the service, or the `docker run` line."""
        return subject_of(self.spec, self.text)

    def item_diagnostic(
        self, rule: type[Rule] | Rule, field_name: str, index: int, message: str
    ) -> Diagnostic:
        """A diagnostic at the `index`th item of a list field (the flag that wrote it), where known."""
        note = SWARM_IGNORES.get(field_name) if self.target == "swarm" else None
        notes = (note,) if note else ()
        where = self.spec.item_location(field_name, index)
        path = self.spec.file_of(field_name)
        return make_diagnostic(rule, path, where, message, notes=notes, subject=self.subject)

    def text_of(self, field_name: str) -> str:
        """The text of the file that set `field_name`."""
        return self.texts.get(self.spec.file_of(field_name), self.text)


def subject_of(spec: RunSpec, text: str) -> str:
    """`service "web"`, or `docker run nginx (line 12)`: a script can run the same image twice."""
    if spec.origin == "compose":
        return f'service "{spec.name}"'
    return f"docker run {spec.name} (line {text.count(chr(10), 0, spec.span.start) + 1})"


class RunSpecRule(Rule):
    """A rule over one RunSpec.

    `applies_to` names the workload kinds the rule is about: advice for long-running services (health
    checks, restart policies, limits, hardening of an exposed process) says `{"service"}`; what protects
    the host keeps the default, every kind. `run` is the one place that honours it."""

    abstract = True
    applies_to: frozenset[str] = WORKLOADS

    def run(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        """`check`, for the workload kinds the rule applies to."""
        if context.spec.workload in self.applies_to:
            yield from self.check(context)

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        raise NotImplementedError
