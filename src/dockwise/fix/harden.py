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

_DATABASE_CAPS = ("CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID")
#: What an official image's entrypoint needs once `cap_drop: [ALL]` is set: these start as root, chown
#: their data directory and switch to their own user (and the web servers bind a port below 1024).
#: Dropping these stops the container from starting (postgres: "chown: changing ownership ... Operation
#: not permitted"). Only for the official images, and only when the service does not set `user:`.
NEEDED_CAPABILITIES: dict[str, tuple[str, ...]] = {
    "postgres": _DATABASE_CAPS,
    "mysql": _DATABASE_CAPS,
    "mariadb": _DATABASE_CAPS,
    "rabbitmq": _DATABASE_CAPS,
    "mongo": ("CHOWN", "SETGID", "SETUID"),
    "redis": ("CHOWN", "SETGID", "SETUID"),
    "valkey": ("CHOWN", "SETGID", "SETUID"),
    "nginx": ("CHOWN", "DAC_OVERRIDE", "NET_BIND_SERVICE", "SETGID", "SETUID"),
    "httpd": ("NET_BIND_SERVICE", "SETGID", "SETUID"),
}
#: Where those images write besides their data directory: tmpfs mounts that a read-only root needs.
RUNTIME_DIRECTORIES: dict[str, tuple[str, ...]] = {
    "postgres": ("/var/run/postgresql",),
    "mysql": ("/var/run/mysqld",),
    "mariadb": ("/run/mysqld",),
    "nginx": ("/var/cache/nginx", "/var/run"),
    "httpd": ("/usr/local/apache2/logs",),
}
#: Their data directories: without a volume there, a read-only root stops them from starting, so the
#: fix leaves `read_only` to a person.
DATA_DIRECTORIES: dict[str, str] = {
    "postgres": "/var/lib/postgresql/data",
    "mysql": "/var/lib/mysql",
    "mariadb": "/var/lib/mysql",
    "mongo": "/data/db",
    "redis": "/data",
    "valkey": "/data",
    "rabbitmq": "/var/lib/rabbitmq",
}
#: Images whose memory needs no single default fits (JVMs, analytical databases): no limit is guessed.
NO_MEMORY_GUESS = frozenset({
    "kafka", "cp-kafka", "clickhouse-server", "elasticsearch", "opensearch", "cassandra", "neo4j",
    "sonarqube", "jenkins", "keycloak", "zookeeper", "cp-zookeeper", "solr", "trino", "spark",
})  # fmt: skip
GUESS = "dockwise: a default, not measured; see dockwise verify"


def official_name(image: object) -> str | None:
    """The name of an official image (`postgres:16`, `docker.io/library/postgres`), else None."""
    if not isinstance(image, str) or not image:
        return None
    reference = image.split("@", 1)[0]
    path, _, tag = reference.rpartition(":")
    if "/" in tag:  # a registry port, not a tag
        path = reference
    path = path or reference
    for prefix in ("docker.io/library/", "index.docker.io/library/", "library/"):
        if path.startswith(prefix):
            path = path[len(prefix) :]
    return None if "/" in path else path


def _repository_name(image: object) -> str | None:
    """The last part of the repository (`confluentinc/cp-kafka:7` -> `cp-kafka`), for the memory table."""
    if not isinstance(image, str) or not image:
        return None
    reference = image.split("@", 1)[0]
    path, _, tag = reference.rpartition(":")
    if not path or "/" in tag:
        path = reference
    return path.rsplit("/", 1)[-1]


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


def _has_volume_at(service: Any, directory: str) -> bool:
    """Whether a volume (short or long syntax) is mounted at `directory` or above it."""
    for volume in service.get("volumes") or ():
        if isinstance(volume, str):
            parts = volume.split(":")
            target = parts[1] if len(parts) > 1 else parts[0]
        elif isinstance(volume, dict):
            target = str(volume.get("target", ""))
        else:
            continue
        target = target.rstrip("/") or "/"
        if directory == target or directory.startswith(target + "/"):
            return True
    return False


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
    official = official_name(service.get("image"))
    runs_as_image_user = official is not None and "user" not in service
    # A privileged service keeps `privileged` (removing it is a decision DW710 leaves to a human); the
    # baseline still adds what takes effect with it (read-only root, init, limits).
    cap_drop = service.get("cap_drop")
    dropped_all = False
    if cap_drop is None:
        service["cap_drop"] = flow(["ALL"])
        changes.append("cap_drop: [ALL]")
        dropped_all = True
    elif isinstance(cap_drop, list) and not any(str(c).upper() == "ALL" for c in cap_drop):
        cap_drop.append("ALL")
        changes.append("cap_drop += ALL")
        dropped_all = True
    needed = NEEDED_CAPABILITIES.get(official or "", ()) if runs_as_image_user else ()
    if dropped_all and needed and "cap_add" not in service:
        service["cap_add"] = flow(list(needed))
        service.yaml_add_eol_comment(
            f"dockwise: what the official {official} image's entrypoint needs", "cap_add"
        )
        changes.append(f"cap_add: [{', '.join(needed)}] (the {official} image's entrypoint needs them)")
    options = service.get("security_opt")
    wanted = "no-new-privileges:true"
    if options is None:
        service["security_opt"] = flow([wanted])
        changes.append(f"security_opt: [{wanted}]")
    elif isinstance(options, list) and not any(str(o).startswith("no-new-privileges") for o in options):
        options.append(wanted)
        changes.append(f"security_opt += {wanted}")
    data = DATA_DIRECTORIES.get(official or "") if runs_as_image_user else None
    if "read_only" not in service and (data is None or _has_volume_at(service, data)):
        service["read_only"] = True
        changes.append("read_only: true")
        writable = (
            profile.tmpfs,
            *(RUNTIME_DIRECTORIES.get(official or "", ()) if runs_as_image_user else ()),
        )
        tmpfs = service.get("tmpfs")
        if tmpfs is None:
            service["tmpfs"] = flow(list(writable))
            changes.append(f"tmpfs: [{', '.join(writable)}]")
        else:
            present = [tmpfs] if isinstance(tmpfs, str) else tmpfs if isinstance(tmpfs, list) else None
            if present is not None:
                have = {str(t).split(":")[0] for t in present}
                missing_dirs = [directory for directory in writable if directory not in have]
                if missing_dirs and isinstance(tmpfs, str):
                    service["tmpfs"] = flow([tmpfs, *missing_dirs])
                elif missing_dirs and isinstance(tmpfs, list):
                    tmpfs.extend(missing_dirs)
                changes.extend(f"tmpfs += {directory}" for directory in missing_dirs)
    if "init" not in service:
        service["init"] = True
        changes.append("init: true")
    deploy = service.get("deploy")
    resources = deploy.get("resources") if isinstance(deploy, dict) else None
    limits = resources.get("limits") if isinstance(resources, dict) else None
    missing: dict[str, object] = {}
    memory_known = _repository_name(service.get("image")) not in NO_MEMORY_GUESS
    if memory_known and "mem_limit" not in service and not (isinstance(limits, dict) and "memory" in limits):
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
            if isinstance(limits, CommentedMap):  # said where it is written: a default, not a measure
                limits.yaml_add_eol_comment(GUESS, key)
            changes.append(f"deploy.resources.limits.{key}: {value}")
    return changes
