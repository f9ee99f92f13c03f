"""`dockwise fix --harden`: give every Compose service the hardened baseline the playbook asks for.

Per service that runs until stopped, only what is missing is added: `cap_drop: [ALL]`,
`security_opt: [no-new-privileges:true]`, `read_only: true` with a tmpfs on `/tmp`, `init: true`, and
memory and pids limits from a profile under `deploy.resources.limits`. A setting the file states on
purpose (`read_only: false`, a memory limit of its own) is left as it is, and so is a job, a service that
runs to completion (a migration, a test run): the lint gives jobs no hardening-by-default advice either
(`dockwise.runspec.workload`). The change is unsafe (a service that writes outside /tmp, or needs a
capability, stops working), so it runs only when asked and `--diff` shows it first.

The YAML is edited with ruamel.yaml's round-trip mode, so comments, key order, quoting and anchors
survive; the file's own indentation is detected and kept. A file that needs nothing is returned
unchanged byte for byte, so the fix is idempotent.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from dockwise.runspec.compose import ComposeError


@dataclass(frozen=True, slots=True)
class HardeningProfile:
    memory: str = "512m"
    pids: int = 200
    tmpfs: str = "/tmp"


@dataclass(frozen=True, slots=True)
class HardenResult:
    text: str
    changes: tuple[str, ...]
    """"service: what was added", in file order."""


def harden_compose(
    text: str, profile: HardeningProfile = HardeningProfile(), jobs: Collection[str] = ()
) -> HardenResult:
    """The hardened baseline added to every service of a Compose file's text but the `jobs`."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.util import load_yaml_guess_indent

    try:
        _, sequence_indent, dash_offset = load_yaml_guess_indent(text)
        mapping_indent = _mapping_indent(text)
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(
            mapping=mapping_indent,
            sequence=sequence_indent if dash_offset is not None else mapping_indent + 2,
            offset=dash_offset if dash_offset is not None else mapping_indent,
        )
        document = yaml.load(text)
    except YAMLError as error:
        raise ComposeError(f"invalid YAML: {error}") from None
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, dict):
        return HardenResult(text, ())
    changes: list[str] = []
    for name, service in services.items():
        if isinstance(service, dict) and name not in jobs:
            changes.extend(f"{name}: {change}" for change in _harden(service, profile))
    if not changes:
        return HardenResult(text, ())
    out = io.StringIO()
    yaml.dump(document, out)
    return HardenResult(out.getvalue(), tuple(changes))


def _mapping_indent(text: str) -> int:
    """The file's mapping indentation: the smallest indentation of a nested `key:` line (2 if none)."""
    indents = [
        len(line) - len(line.lstrip(" "))
        for line in text.splitlines()
        if line.startswith(" ") and re.match(r"\s+[\w.\-\"']+\s*:", line)
    ]
    return min((i for i in indents if i > 0), default=2)


def _harden(service: Any, profile: HardeningProfile) -> list[str]:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def flow(items: list[Any]) -> CommentedSeq:
        sequence = CommentedSeq(items)
        sequence.fa.set_flow_style()
        return sequence

    changes: list[str] = []
    # A privileged service keeps `privileged` (removing it is a decision DW710 leaves to a human); the
    # baseline still adds what takes effect with it (read-only root, init, limits).
    cap_drop = service.get("cap_drop")
    if cap_drop is None:
        service["cap_drop"] = flow(["ALL"])
        changes.append("cap_drop: [ALL]")
    elif isinstance(cap_drop, list) and not any(str(c).upper() == "ALL" for c in cap_drop):
        cap_drop.append("ALL")
        changes.append("cap_drop += ALL")
    options = service.get("security_opt")
    wanted = "no-new-privileges:true"
    if options is None:
        service["security_opt"] = flow([wanted])
        changes.append(f"security_opt: [{wanted}]")
    elif isinstance(options, list) and not any(str(o).startswith("no-new-privileges") for o in options):
        options.append(wanted)
        changes.append(f"security_opt += {wanted}")
    if "read_only" not in service:
        service["read_only"] = True
        changes.append("read_only: true")
        tmpfs = service.get("tmpfs")
        if tmpfs is None:
            service["tmpfs"] = flow([profile.tmpfs])
            changes.append(f"tmpfs: [{profile.tmpfs}]")
        elif isinstance(tmpfs, str) and tmpfs.split(":")[0] != profile.tmpfs:
            service["tmpfs"] = flow([tmpfs, profile.tmpfs])
            changes.append(f"tmpfs += {profile.tmpfs}")
        elif isinstance(tmpfs, list) and not any(str(t).split(":")[0] == profile.tmpfs for t in tmpfs):
            tmpfs.append(profile.tmpfs)
            changes.append(f"tmpfs += {profile.tmpfs}")
    if "init" not in service:
        service["init"] = True
        changes.append("init: true")
    deploy = service.get("deploy")
    resources = deploy.get("resources") if isinstance(deploy, dict) else None
    limits = resources.get("limits") if isinstance(resources, dict) else None
    missing: dict[str, object] = {}
    if "mem_limit" not in service and not (isinstance(limits, dict) and "memory" in limits):
        missing["memory"] = profile.memory
    if "pids_limit" not in service and not (isinstance(limits, dict) and "pids" in limits):
        missing["pids"] = profile.pids
    if missing:
        if not isinstance(deploy, dict):
            deploy = service["deploy"] = CommentedMap()
        if not isinstance(resources, dict):
            resources = deploy["resources"] = CommentedMap()
        if not isinstance(limits, dict):
            limits = resources["limits"] = CommentedMap()
        for key, value in missing.items():
            limits[key] = value
            changes.append(f"deploy.resources.limits.{key}: {value}")
    return changes
