"""`dockwise verify --compare ORIGINAL REWRITTEN`: the proof that a rewrite (a multi-stage build, a smaller
base) keeps the image working. Both Dockerfiles go through verify, with the same profile and the same
probes, and the comparison says how much smaller the rewrite is and which probe it changed.

A probe the rewrite makes worse is a regression and fails the comparison: a service that no longer starts,
no longer turns healthy, stops listening on a port or can no longer be measured (a probe the original
passed that is skipped for the rewrite: it was not running to look at). A probe it makes better is
reported, not failed. A rewritten Dockerfile that does not build fails it too; an original that does not
build is an error: there is nothing to compare with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dockwise.engine.session import EngineError, connect
from dockwise.verify.profile import Profile
from dockwise.verify.run import VerifyOptions, VerifyReport, verify
from dockwise.verify.verdicts import FAIL, PASS, SKIP, WARN, Probe

_RANK = {PASS: 0, WARN: 1, SKIP: 2, FAIL: 3}
"""How bad a probe's status is. A skip ranks below a failure but above a warning: the rewrite lost a
measurement the original gave (usually because it was no longer running)."""


@dataclass
class CompareOptions:
    original: Path
    rewritten: Path
    context: Path | None = None
    """The build context of both; None builds each in its Dockerfile's own directory."""
    profile: Profile = field(default_factory=Profile)
    startup_timeout: float = 60.0
    cold_build: bool = True
    progress: Callable[[str], None] | None = None


@dataclass
class Difference:
    probe: str
    original: Probe | None
    rewritten: Probe | None
    worse: bool
    why: str


@dataclass
class CompareReport:
    original: VerifyReport
    rewritten: VerifyReport | None
    """None when the rewritten Dockerfile does not build (`build_error` says why)."""
    build_error: str | None = None
    differences: list[Difference] = field(default_factory=list)

    @property
    def saved_bytes(self) -> int | None:
        if self.rewritten is None or self.original.image_size is None or self.rewritten.image_size is None:
            return None
        return self.original.image_size - self.rewritten.image_size

    @property
    def reduction_percent(self) -> float | None:
        saved = self.saved_bytes
        if saved is None or not self.original.image_size:
            return None
        return 100.0 * saved / self.original.image_size

    @property
    def regressions(self) -> list[Difference]:
        return [difference for difference in self.differences if difference.worse]

    @property
    def failed(self) -> bool:
        return self.rewritten is None or bool(self.regressions)


def compare(options: CompareOptions, client: Any = None) -> CompareReport:
    """Verify the original, then the rewrite, each in its own engine session (everything either run
    created, its image included, is removed when it ends)."""
    client = client or connect()
    original = verify(_verify_options(options, options.original, "original"), client)
    try:
        rewritten = verify(_verify_options(options, options.rewritten, "rewritten"), client)
    except EngineError as error:
        return CompareReport(original, None, build_error=str(error))
    return CompareReport(original, rewritten, differences=differences(original.probes, rewritten.probes))


def _verify_options(options: CompareOptions, dockerfile: Path, which: str) -> VerifyOptions:
    say = options.progress or (lambda _: None)
    return VerifyOptions(
        context=options.context if options.context is not None else dockerfile.parent,
        dockerfile=dockerfile,
        profile=replace(options.profile),
        startup_timeout=options.startup_timeout,
        cold_build=options.cold_build,
        cache_probe=False,  # how the build caches says nothing about whether the rewrite still works
        progress=lambda message: say(f"{which}: {message}"),
    )


def differences(original: list[Probe], rewritten: list[Probe]) -> list[Difference]:
    """Each probe whose verdict differs between the two runs, in the order verify reports them.

    A probe that only one side has is a verdict the other side did not need (verify adds a probe per
    hardening measure only when that measure breaks the image): its absence counts as a pass. Within one
    status, the ports probe also compares the ports: a port the original listened on that the rewrite
    does not is a regression, whatever the EXPOSE lines say."""
    before, after = worst_by_name(original), worst_by_name(rewritten)
    found = []
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        old_status = old.status if old is not None else PASS
        new_status = new.status if new is not None else PASS
        if old_status != new_status:
            worse = _RANK[new_status] > _RANK[old_status]
            why = f"{old_status} in the original, {new_status} in the rewrite"
            found.append(Difference(name, old, new, worse, why))
        elif name == "ports" and old is not None and new is not None:
            lost, gained = _port_changes(old, new)
            if lost or gained:
                parts = [f"no longer listens on {_ports(lost)}"] if lost else []
                parts += [f"now listens on {_ports(gained)}"] if gained else []
                found.append(Difference(name, old, new, bool(lost), "; ".join(parts)))
    return found


def worst_by_name(probes: list[Probe]) -> dict[str, Probe]:
    """One probe per name (a hardening measure that breaks the image and the user probe share the name
    `non-root`): the worst."""
    worst: dict[str, Probe] = {}
    for probe in probes:
        seen = worst.get(probe.name)
        if seen is None or _RANK[probe.status] > _RANK[seen.status]:
            worst[probe.name] = probe
    return worst


def _port_changes(old: Probe, new: Probe) -> tuple[list[int], list[int]]:
    before = set(old.values.get("listening") or ())
    after = set(new.values.get("listening") or ())
    return sorted(before - after), sorted(after - before)


def _ports(ports: list[int]) -> str:
    return ", ".join(str(port) for port in ports)
