"""`dockwise fix --harden`: give every Compose service the hardened baseline the playbook asks for.

Per service that runs until stopped, only what is missing is added: `cap_drop: [ALL]`,
`security_opt: [no-new-privileges:true]`, `read_only: true` with a tmpfs on `/tmp`, `init: true`, and
memory and pids limits from a profile under `deploy.resources.limits`. A setting the file states on
purpose (`read_only: false`, a memory limit of its own) is left as it is, and so is a job, a service that
runs to completion (a migration, a test run): the lint gives jobs no hardening-by-default advice either
(`dockwise.runspec.workload`). The change is unsafe (a service that writes outside /tmp, or needs a
capability, stops working), so it runs only when asked and `--diff` shows it first.

What to add is decided per service (`settings_to_add`, over the service as the Compose loader reads
it, merge keys applied); `dockwise.fix.compose_edit` inserts it as new lines and touches no line it does
not add to, so `--diff` shows additions only (see there for the few in-line insertions, and for what it
leaves alone and why: a service written as a flow mapping, a key that comes from a merge key). The result
is loaded again and must read as the services plus exactly what was meant to be added: a service whose
lines do not is left as it was, with the reason, and a file whose other parts would change is not
written. A file that needs nothing is returned unchanged byte for byte, so the fix is idempotent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from dockwise.dockerfile.imageref import official_name_of, reference_or_none
from dockwise.fix.compose_edit import Addition, Scalar
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
MEASURED = "dockwise: measured by verify --learn"


def _repository_name(image: object) -> str | None:
    """The last part of the repository (`confluentinc/cp-kafka:7` -> `cp-kafka`), for the memory table."""
    reference = reference_or_none(image)
    return reference.repository.rsplit("/", 1)[-1] if reference is not None else None


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
    skipped: tuple[str, ...] = ()
    """"service: not added: what: why", for what the file's form does not let be added as lines."""


def harden_compose(
    text: str,
    profile: HardeningProfile = HardeningProfile(),
    jobs: Collection[str] = (),
    measured: Mapping[str, Mapping[str, tuple[object, str]]] | None = None,
) -> HardenResult:
    """The hardened baseline added to every service of a Compose file's text but the `jobs`; a service
    named in `measured` (its settings from a `verify --learn` profile, see `settings_to_add`) gets those
    first, and the guesses fill only what they leave unset."""
    from dockwise.fix.compose_edit import insert_settings, nodes

    root = nodes(text)  # first: it says clearly what the loader does not (a second document)
    document = _loaded(text)
    services = document.get("services")
    if not isinstance(services, dict):
        return HardenResult(text, ())
    wanted = [
        (name, service, additions)
        for name, service in services.items()
        if isinstance(service, dict) and name not in jobs
        for additions in [settings_to_add(service, profile, (measured or {}).get(name, {}))]
        if additions
    ]
    if not wanted:
        return HardenResult(text, ())
    # First everything; then nothing added to what an anchor shares (lines there changed what uses it);
    # then without the services that still did not load as meant. Past that, nothing is written.
    left_out: list[str] = []
    for attempt in ("everything", "no anchors", "left out"):
        run = [item for item in wanted if item[0] not in left_out]
        edited = insert_settings(text, root, run, avoid_anchors=attempt != "everything")
        differ = _reloaded_differently(edited.text, document, services, edited.applied)
        if not differ:
            break
        if attempt == "no anchors":
            left_out = [name for name in differ if name in edited.applied]
    else:
        raise ComposeError(f"{'; '.join(differ.values())}, so nothing was written: add the hardening by hand")
    changes = tuple(
        f"{name}: {addition.change}" for name, additions in edited.applied.items() for addition in additions
    )
    skipped = (
        *(
            f"{name}: not hardened: with its lines in, it would not load as itself plus them"
            for name in left_out
        ),
        *edited.skipped,
    )
    return HardenResult(edited.text, changes, skipped)


def _loaded(text: str) -> dict[str, Any]:
    """The file as the Compose loader reads it, with no variables set (the same for both readings)."""
    from dockwise.runspec.compose import load_compose_text

    try:
        return load_compose_text(text, _FILE, {})
    except ComposeError as error:
        raise ComposeError(str(error).removeprefix(f"{_FILE}: ")) from None


_FILE = "<compose file>"


def _reloaded_differently(
    text: str, before: dict[str, Any], services: dict[str, Any], applied: dict[str, list[Addition]]
) -> dict[str, str]:
    """What does not load as meant once `text` is re-loaded, by service ("" for the rest of the file):
    each service must be what it was plus exactly its `applied` additions, the rest as it was."""
    from dockwise.fix.compose_edit import with_additions

    intended = {
        name: with_additions(s, applied[name]) if name in applied else s for name, s in services.items()
    }
    try:
        after = _loaded(text)
    except ComposeError as error:
        return {"": f"the hardened file would not load ({error})"}
    now = after.get("services")
    loaded = now if isinstance(now, dict) else {}
    differ = {
        str(name): f"service {name} would not load as meant"
        for name in {*intended, *loaded}
        if loaded.get(name) != intended.get(name)
    }
    rest = sorted(key for key in {*before, *after} if key != "services" and before.get(key) != after.get(key))
    if rest:
        differ[""] = f"{', '.join(f'`{key}`' for key in rest)} would change"
    return dict(sorted(differ.items()))


def _has_volume_at(service: Mapping[str, Any], directory: str) -> bool:
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


def settings_to_add(
    service: Mapping[str, Any],
    profile: HardeningProfile,
    measured: Mapping[str, tuple[object, str]] | None = None,
) -> list[Addition]:
    """What `--harden` adds to one service (as loaded, merge keys applied): only what it lacks, never a
    value it states. First what was `measured` (dotted key -> (value, the comment saying how), from a
    `verify --learn` profile), all of it or none, then the baseline for what that leaves unset. The
    writer (`compose_edit`) puts these into the file."""
    from dockwise.fix.compose_edit import with_additions

    first = [
        Addition(
            tuple(key.split(".")), _written(value), f"{key}: {_shown(value)} (measured)", comment, "measured"
        )
        for key, (value, comment) in (measured or {}).items()
        if not _states(service, key)
    ]
    return [*first, *_baseline(with_additions(service, first) if first else service, profile)]


def _written(value: object) -> Scalar | tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return value if isinstance(value, str | int | bool) else str(value)


def _shown(value: object) -> str:
    if isinstance(value, list | tuple):
        return f"[{', '.join(map(str, value))}]"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _states(service: Mapping[str, Any], dotted: str) -> bool:
    """Whether the service sets `dotted` (`deploy.resources.limits.memory`) itself."""
    *parents, last = dotted.split(".")
    mapping: Any = service
    for parent in parents:
        mapping = mapping.get(parent) if isinstance(mapping, Mapping) else None
    return isinstance(mapping, Mapping) and last in mapping


def _baseline(service: Mapping[str, Any], profile: HardeningProfile) -> list[Addition]:
    """The hardened baseline's additions: the playbook's defaults, kept from what breaks known images."""
    additions: list[Addition] = []

    def add(
        path: str, value: Scalar | tuple[str, ...], change: str, comment: str = "", group: str = ""
    ) -> None:
        additions.append(Addition(tuple(path.split(".")), value, change, comment, group))

    official = official_name_of(service.get("image"))
    runs_as_image_user = official is not None and "user" not in service
    # A privileged service keeps `privileged` (removing it is a decision DW710 leaves to a human); the
    # baseline still adds what takes effect with it (read-only root, init, limits).
    cap_drop = service.get("cap_drop")
    dropped_all = False
    if cap_drop is None:
        add("cap_drop", ("ALL",), "cap_drop: [ALL]", group="capabilities")
        dropped_all = True
    elif isinstance(cap_drop, list) and not any(str(c).upper() == "ALL" for c in cap_drop):
        add("cap_drop", ("ALL",), "cap_drop += ALL", group="capabilities")
        dropped_all = True
    needed = NEEDED_CAPABILITIES.get(official or "", ()) if runs_as_image_user else ()
    cap_add = service.get("cap_add")
    why = f"dockwise: what the official {official} image's entrypoint needs"
    if dropped_all and needed and cap_add is None:
        add(
            "cap_add",
            needed,
            f"cap_add: [{', '.join(needed)}] (the {official} image's entrypoint needs them)",
            why,
            "capabilities",
        )
    elif dropped_all and needed and isinstance(cap_add, list):  # the file's own cap_add, without those
        have = {str(c).upper().removeprefix("CAP_") for c in cap_add}
        lacking = () if "ALL" in have else tuple(c for c in needed if c not in have)
        if lacking:
            change = f"cap_add += {', '.join(lacking)} (the {official} image's entrypoint needs them)"
            add("cap_add", lacking, change, why, "capabilities")
    options = service.get("security_opt")
    wanted = "no-new-privileges:true"
    if options is None:
        add("security_opt", (wanted,), f"security_opt: [{wanted}]")
    elif isinstance(options, list) and not any(str(o).startswith("no-new-privileges") for o in options):
        add("security_opt", (wanted,), f"security_opt += {wanted}")
    data = DATA_DIRECTORIES.get(official or "") if runs_as_image_user else None
    if "read_only" not in service and (data is None or _has_volume_at(service, data)):
        add("read_only", True, "read_only: true", group="read-only")
        writable = (
            profile.tmpfs,
            *(RUNTIME_DIRECTORIES.get(official or "", ()) if runs_as_image_user else ()),
        )
        tmpfs = service.get("tmpfs")
        if tmpfs is None:
            add("tmpfs", writable, f"tmpfs: [{', '.join(writable)}]", group="read-only")
        else:
            present = [tmpfs] if isinstance(tmpfs, str) else tmpfs if isinstance(tmpfs, list) else None
            if present is not None:
                have = {str(t).split(":")[0] for t in present}
                missing_dirs = tuple(directory for directory in writable if directory not in have)
                if missing_dirs:
                    add("tmpfs", missing_dirs, f"tmpfs += {', '.join(missing_dirs)}", group="read-only")
    if "init" not in service:
        add("init", True, "init: true")
    deploy = service.get("deploy")
    resources = deploy.get("resources") if isinstance(deploy, dict) else None
    limits = resources.get("limits") if isinstance(resources, dict) else None
    memory_known = _repository_name(service.get("image")) not in NO_MEMORY_GUESS
    if memory_known and "mem_limit" not in service and not (isinstance(limits, dict) and "memory" in limits):
        memory = profile.memory
        add("deploy.resources.limits.memory", memory, f"deploy.resources.limits.memory: {memory}", GUESS)
    if "pids_limit" not in service and not (isinstance(limits, dict) and "pids" in limits):
        pids = profile.pids
        add("deploy.resources.limits.pids", pids, f"deploy.resources.limits.pids: {pids}", GUESS)
    return additions


def learned_settings(learned: Mapping[str, Any]) -> dict[str, tuple[object, str]]:
    """The Compose settings (dotted keys) that a `dockwise verify --learn` profile (its JSON) measured,
    each with the comment that says how: `harden_compose(measured=...)` takes them, and its baseline then
    fills only what they leave unset."""
    reasons = learned.get("reasons") or {}

    def why(key: str) -> str:
        """The reason without the value it starts with (`CHOWN, SETUID: it did not start without...`),
        which the setting's line already shows."""
        reason = str(reasons.get(key) or "")
        if key in ("cap_add", "memory", "pids"):
            reason = reason.partition(": ")[2]
        return f"{MEASURED}: {reason}" if reason else MEASURED

    settings: dict[str, tuple[object, str]] = {"cap_drop": (["ALL"], MEASURED)}
    if learned.get("cap_add"):
        settings["cap_add"] = (list(learned["cap_add"]), why("cap_add"))
    if learned.get("no_new_privileges"):
        settings["security_opt"] = (["no-new-privileges:true"], why("no_new_privileges"))
    settings["read_only"] = (bool(learned.get("read_only")), why("read_only"))
    if learned.get("tmpfs"):
        settings["tmpfs"] = (
            list(learned["tmpfs"]),
            f"{MEASURED}: where it writes (docker diff), and /tmp as scratch for a read-only root",
        )
    if learned.get("volumes"):
        settings["volumes"] = (list(learned["volumes"]), f"{MEASURED}: data it writes; name these volumes")
    if learned.get("user"):
        settings["user"] = (str(learned["user"]), why("user"))
    if learned.get("memory"):
        from dockwise.verify.learn import size_text

        settings["deploy.resources.limits.memory"] = (size_text(int(learned["memory"])), why("memory"))
    if learned.get("pids"):
        settings["deploy.resources.limits.pids"] = (int(learned["pids"]), why("pids"))
    return settings
