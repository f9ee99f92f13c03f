"""`dockwise verify --learn`: the least-privilege profile a service needs, learned by running it.

`fix --harden` without observations guesses; this measures. Every value comes from runs of fresh
containers in one EngineSession (all removed, however the learning ends):

1. a plain run (the image's own user, writable root, Docker's default capabilities): the paths it writes
   (`docker diff`), its peak memory and process count; an image that does not work even then is reported
   as such and nothing is learned;
2. the paths become tmpfs mounts (runtime directories and caches) or volumes (anything else: data that a
   restart must keep), and the image's own VOLUMEs stay volumes; a read-only root also gets a tmpfs on
   /tmp, where files created and deleted (gunicorn's) never show in `docker diff`;
3. runs with `cap_drop: [ALL]`, read-only root and no-new-privileges, adding back halves of Docker's
   default capability set until the smallest set it starts with is found (each capability in it is
   needed: without it, it did not start);
4. a root image is tried as nobody; a non-root one keeps its user;
5. a confirming run with exactly the learned profile, limits included.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from dockwise.engine.observe import Observation, observe
from dockwise.engine.session import EngineSession, connect
from dockwise.verify.profile import NOBODY, Profile, container_options, from_runspec, has_health_check
from dockwise.verify.run import VerifyOptions, build_or_name, compose_service, subject_of
from dockwise.verify.verdicts import is_root

DEFAULT_CAPABILITIES = (
    "CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID", "NET_BIND_SERVICE", "FSETID", "KILL",
    "SETFCAP", "SETPCAP", "MKNOD", "NET_RAW", "SYS_CHROOT", "AUDIT_WRITE",
)  # fmt: skip
"""The capabilities a container gets from Docker by default: the ones worth adding back. Those that
entrypoints need together (chown the data, switch user) come first, in one half, so that halving finds
them in fewer runs."""
RUNTIME_DIRECTORIES = ("/tmp", "/var/tmp", "/run", "/var/run", "/var/lock", "/run/lock", "/var/log")
"""Where what is written need not outlive the container (PID files, sockets, scratch, logs that belong
on stdout anyway): a tmpfs."""
CACHE_NAMES = frozenset({
    ".cache", "cache", "tmp", "__pycache__", "_logs", ".npm", ".yarn", ".pnpm-store", ".node-gyp", ".pip",
})  # fmt: skip
"""Directories whose contents are rebuilt when lost: caches, and tools' own logs and update checks (npm
writes `~/.npm/_logs` and `~/.npm/_update-notifier-last-checked` on every start): a tmpfs, not a volume."""
MIB = 1024 * 1024
MEMORY_FLOOR = 64 * MIB
MEMORY_STEP = 32 * MIB
PIDS_FLOOR = 32
MEMORY_RULE = "peak x 2, rounded up to a multiple of 32 MiB, at least 64 MiB"
PIDS_RULE = "peak x 1.5, rounded up, at least 32 (health checks and exec'd commands count too)"


@dataclass(frozen=True)
class Mount:
    path: str
    kind: str
    """"tmpfs", "volume", or "changed": a file of the image it rewrites, which no mount can make
    writable without hiding the image's files (the root filesystem cannot be read-only then)."""
    reason: str


@dataclass
class Learned:
    """The learned profile, each value with how it was measured (`reasons`, keyed by setting)."""

    subject: str
    image: str = ""
    image_user: str = ""
    works: bool = False
    """It worked at least unhardened (else nothing else is learned)."""
    user: str | None = None
    """The user to run as; None keeps the image's own."""
    cap_add: list[str] = field(default_factory=list)
    read_only: bool = True
    no_new_privileges: bool = True
    mounts: list[Mount] = field(default_factory=list)
    memory: int | None = None
    pids: int | None = None
    confirmed: bool = False
    reasons: dict[str, str] = field(default_factory=dict)
    runs: int = 0
    seconds: float = 0.0
    run_id: str = ""
    compose: str | None = None
    service: str | None = None

    @property
    def tmpfs(self) -> list[str]:
        return [mount.path for mount in self.mounts if mount.kind == "tmpfs"]

    @property
    def volumes(self) -> list[str]:
        return [mount.path for mount in self.mounts if mount.kind == "volume"]

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "compose": self.compose,
            "service": self.service,
            "image": self.image,
            "works": self.works,
            "confirmed": self.confirmed,
            "user": self.user,
            "cap_drop": ["ALL"],
            "cap_add": self.cap_add,
            "read_only": self.read_only,
            "no_new_privileges": self.no_new_privileges,
            "tmpfs": self.tmpfs,
            "volumes": self.volumes,
            "memory": self.memory,
            "pids": self.pids,
            "reasons": self.reasons,
            "mounts": [{"path": m.path, "kind": m.kind, "reason": m.reason} for m in self.mounts],
            "runs": self.runs,
            "seconds": round(self.seconds, 2),
            "run_id": self.run_id,
        }

    def docker_run_flags(self) -> list[str]:
        flags = ["--cap-drop=ALL", *(f"--cap-add={cap}" for cap in self.cap_add)]
        if self.no_new_privileges:
            flags.append("--security-opt=no-new-privileges:true")
        if self.read_only:
            flags.append("--read-only")
        flags += [f"--tmpfs={path}" for path in self.tmpfs]
        flags += [f"--volume={path}" for path in self.volumes]
        if self.user is not None:
            flags.append(f"--user={self.user}")
        if self.memory is not None:
            flags += [f"--memory={size_text(self.memory)}", f"--memory-swap={size_text(self.memory)}"]
        if self.pids is not None:
            flags.append(f"--pids-limit={self.pids}")
        return flags


def size_text(count: int) -> str:
    """Bytes as Compose and `docker run` write sizes: `128m`, `1g`."""
    if count % (1024 * MIB) == 0:
        return f"{count // (1024 * MIB)}g"
    return f"{math.ceil(count / MIB)}m"


def memory_limit(peak: int) -> int:
    return max(MEMORY_FLOOR, math.ceil(peak * 2 / MEMORY_STEP) * MEMORY_STEP)


def pids_limit(peak: int) -> int:
    return max(PIDS_FLOOR, math.ceil(peak * 1.5))


def learn(options: VerifyOptions, client: Any = None) -> Learned:
    started = time.perf_counter()
    client = client or connect()
    say = options.progress or (lambda _: None)
    learned = Learned(subject=subject_of(options))
    if options.compose is not None:
        learned.compose, learned.service = str(options.compose), options.service
    with EngineSession(client) as session:
        learned.run_id = session.run_id
        base = Profile(user=None)
        if options.compose is not None:
            spec, options = compose_service(options)
            base = from_runspec(spec, Profile())
        image, build = build_or_name(options, session, say)
        learned.image = image if build is None else ""  # a build is removed with the session
        config = session.inspect_image(image).get("Config") or {}
        learned.image_user = str(config.get("User") or "")
        has_check = has_health_check((config.get("Healthcheck") or {}).get("Test"), base)
        network = session.network()
        seen: list[Observation] = []

        counting = threading.Lock()

        def run(profile: Profile) -> Observation:
            settings = container_options(profile, network, session.labels)
            observation = observe(
                session, image, settings, 0, has_check, options.startup_timeout, False, cpu=False
            )
            observation.profile = profile
            with counting:
                learned.runs += 1
                if observation.works:
                    seen.append(observation)
            return observation

        _learn(learned, base, config, run, say)
        if learned.works:
            _limits(learned, seen)
            say("confirming run with exactly the learned profile")
            final = run(as_profile(learned, base))
            learned.confirmed = final.works
            if not final.works:
                learned.reasons["confirmed"] = f"the confirming run failed: {_failure(final)}"
    learned.seconds = time.perf_counter() - started
    return learned


def as_profile(learned: Learned, base: Profile) -> Profile:
    """The run that applies `learned` (the service's command, environment... from `base`)."""
    return replace(
        base,
        user=learned.user if learned.user is not None else base.user,
        read_only=learned.read_only,
        tmpfs=tuple(learned.tmpfs),
        volumes=tuple(learned.volumes),
        cap_drop=("ALL",),
        cap_add=tuple(learned.cap_add),
        no_new_privileges=learned.no_new_privileges,
        memory=learned.memory,
        pids_limit=learned.pids,
        isolated_network=True,
    )


def _learn(
    learned: Learned,
    base: Profile,
    config: dict[str, Any],
    run: Callable[[Profile], Observation],
    say: Callable[[str], None],
) -> None:
    say("plain run: its own user, writable, Docker's default capabilities")
    plain_profile = replace(
        base, read_only=False, tmpfs=(), cap_drop=(), cap_add=(), no_new_privileges=False,
        memory=None, pids_limit=None,
    )  # fmt: skip
    plain = run(plain_profile)
    if not plain.works:
        learned.works = False
        learned.reasons["works"] = f"it does not work even unhardened: {_failure(plain)}"
        return
    learned.works = True
    learned.mounts = with_scratch(mounts(plain.written, plain.added, config.get("Volumes") or {}))
    learned.reasons["mounts"] = "docker diff of the plain run" + (
        f" ({len(plain.written)} paths written)" if plain.written else ": it wrote nothing"
    )
    hardened = replace(
        plain_profile,
        read_only=True,
        tmpfs=tuple(learned.tmpfs),
        volumes=tuple(learned.volumes),
        cap_drop=("ALL",),
        no_new_privileges=True,
    )

    def works(caps: Iterable[str], profile: Profile) -> bool:
        return run(replace(profile, cap_add=tuple(caps))).works

    cache: dict[frozenset[str], bool] = {}

    def cached(caps: Sequence[str]) -> bool:
        key = frozenset(caps)
        if key not in cache:
            cache[key] = works(caps, hardened)
        return cache[key]

    def prefetch(sets: Sequence[Sequence[str]]) -> None:
        """Run the sets not known yet side by side (each run mostly waits for its container)."""
        from concurrent.futures import ThreadPoolExecutor

        unknown = list({frozenset(caps): caps for caps in sets if frozenset(caps) not in cache}.values())
        if len(unknown) > 1:
            with ThreadPoolExecutor(max_workers=len(unknown)) as pool:
                results = pool.map(lambda caps: works(caps, hardened), unknown)
                for caps, result in zip(unknown, results, strict=True):
                    cache[frozenset(caps)] = result

    say("hardened runs with every default capability added back, with none, and with each half")
    every = list(DEFAULT_CAPABILITIES)
    before = learned.runs
    prefetch([every, [], every[: len(every) // 2], every[len(every) // 2 :]])
    if not cached(every):
        relaxed = _relax(learned, hardened, works)
        if relaxed is None:
            learned.works = False
            return
        hardened = relaxed
        cache = {frozenset(every): True}
        before = learned.runs
    else:
        learned.reasons["read_only"] = "it started read-only, with a tmpfs or volume where it writes"
        learned.reasons["no_new_privileges"] = "it started with no-new-privileges"
    caps = minimal(cached, list(DEFAULT_CAPABILITIES), [], prefetch)
    learned.cap_add = sorted(caps)
    tries = learned.runs - before
    if learned.cap_add:
        learned.reasons["cap_add"] = (
            f"{', '.join(learned.cap_add)}: it did not start without "
            f"{'it' if len(learned.cap_add) == 1 else 'each of them'} ({tries} runs adding back parts "
            "of the default set)"
        )
    else:
        learned.reasons["cap_add"] = f"none: it started with every capability dropped ({tries} runs)"
    _user(learned, base, hardened, run, say)


def _relax(
    learned: Learned, hardened: Profile, works: Callable[[Iterable[str], Profile], bool]
) -> Profile | None:
    """With every default capability back it still fails: find which of read-only and no-new-privileges
    it cannot take (all capabilities back, so capabilities are not what it lacks)."""
    for read_only, no_new_privileges in ((False, True), (True, False), (False, False)):
        relaxed = replace(hardened, read_only=read_only, no_new_privileges=no_new_privileges)
        if works(DEFAULT_CAPABILITIES, relaxed):
            if not read_only:
                learned.read_only = False
                # scratch space on /tmp was for a read-only root (a writable one has /tmp)
                learned.mounts = [mount for mount in learned.mounts if mount != SCRATCH]
                changed = [mount.path for mount in learned.mounts if mount.kind == "changed"]
                learned.reasons["read_only"] = (
                    f"not kept: it rewrites files of the image ({', '.join(changed[:4])})"
                    if changed
                    else "not kept: it did not start read-only even with mounts on the paths it writes"
                )
            else:
                learned.reasons["read_only"] = "it started read-only, with a tmpfs or volume where it writes"
            if not no_new_privileges:
                learned.no_new_privileges = False
                learned.reasons["no_new_privileges"] = (
                    "not kept: it did not start with it (a setuid binary or file capabilities)"
                )
            else:
                learned.reasons["no_new_privileges"] = "it started with no-new-privileges"
            return relaxed
    learned.reasons["works"] = (
        "it works unhardened but not with cap_drop ALL plus every default capability, writable and "
        "without no-new-privileges: nothing learned"
    )
    return None


def _user(
    learned: Learned,
    base: Profile,
    hardened: Profile,
    run: Callable[[Profile], Observation],
    say: Callable[[str], None],
) -> None:
    if base.user is not None:
        learned.user = base.user
        learned.reasons["user"] = f"the service's own user: {base.user}"
        return
    if not is_root(learned.image_user):
        learned.reasons["user"] = f"the image's own USER {learned.image_user}"
        return
    say("trying it as nobody")
    as_nobody = replace(hardened, user=NOBODY, cap_add=tuple(learned.cap_add))
    attempt = run(as_nobody)
    if not attempt.works:
        learned.reasons["user"] = (
            f"root, the image's: as {NOBODY} it did not start ({_failure(attempt)}); to run it as "
            "another user, give that user the files it writes at build time"
        )
        return
    learned.user = NOBODY
    learned.reasons["user"] = f"{NOBODY}: it started as nobody although the image runs as root"
    if learned.cap_add and run(replace(as_nobody, cap_add=())).works:
        learned.reasons["cap_add"] = (
            f"none: as {NOBODY} it started with every capability dropped (as root it needed "
            f"{', '.join(learned.cap_add)})"
        )
        learned.cap_add = []


def _limits(learned: Learned, seen: list[Observation]) -> None:
    peaks = [o.peak_memory for o in seen if o.peak_memory]
    if peaks:
        peak = max(peaks)
        learned.memory = memory_limit(peak)
        learned.reasons["memory"] = (
            f"{size_text(learned.memory)}: peak {peak / MIB:.1f} MiB at start-up, without load, over "
            f"{len(peaks)} runs that worked; "
            f"rule: {MEMORY_RULE}"
        )
    counts = [max(o.pids or 0, len(o.processes)) for o in seen]
    if any(counts):
        peak_pids = max(counts)
        learned.pids = pids_limit(peak_pids)
        learned.reasons["pids"] = (
            f"{learned.pids}: at most {peak_pids} processes and threads at start-up, over {len(counts)} runs "
            "that worked; "
            f"rule: {PIDS_RULE}"
        )


def minimal(
    works: Callable[[Sequence[str]], bool],
    candidates: list[str],
    fixed: list[str],
    prefetch: Callable[[Sequence[Sequence[str]]], None] = lambda _: None,
) -> list[str]:
    """The smallest part of `candidates` that, added to `fixed`, works, given that all of them do: halve
    the candidates; when neither half alone works, each half is needed, each minimised with the other
    (QuickXplain). Each capability returned is needed: without it (the others kept) it does not work.
    `prefetch` is told the sets about to be tried, to try them at once."""
    middle = len(candidates) // 2
    first, second = candidates[:middle], candidates[middle:]
    if len(candidates) > 1:
        prefetch([fixed, fixed + first, fixed + second])
    if works(fixed):
        return []
    if len(candidates) == 1:
        return list(candidates)
    if works(fixed + first):
        return minimal(works, first, fixed, prefetch)
    if works(fixed + second):
        return minimal(works, second, fixed, prefetch)
    from_first = minimal(works, first, fixed + second, prefetch)
    return from_first + minimal(works, second, fixed + from_first, prefetch)


def mounts(written: Sequence[str], added: Sequence[str], declared: Iterable[str]) -> list[Mount]:
    """Where the container writes, as mounts: a tmpfs for runtime directories and caches, a volume for
    the rest (data it keeps), and the image's own VOLUMEs (writes there are not in `docker diff`)."""
    found: dict[str, Mount] = {}
    for path in sorted(str(p).rstrip("/") or "/" for p in declared):
        found[path] = Mount(path, "volume", "the image declares it a VOLUME: its data")
    added_set = set(added)
    leaves = [p for p in written if not any(other.startswith(p.rstrip("/") + "/") for other in written)]
    for leaf in leaves:
        directory, kind, reason = _mount_for(leaf, added_set)
        if any(directory == d or directory.startswith(d + "/") for d in found):
            continue
        for nested in [d for d in found if d.startswith(directory + "/")]:
            del found[nested]
        found[directory] = Mount(directory, kind, reason)
    return sorted(found.values(), key=lambda mount: mount.path)


SCRATCH = Mount(
    "/tmp",
    "tmpfs",
    "scratch space: programs create and delete temporary files there (gunicorn's worker files, Python's "
    "tempfile), which docker diff cannot show",
)


def with_scratch(found: list[Mount]) -> list[Mount]:
    """The mounts plus a tmpfs on /tmp where none covers it: what is created and deleted there never shows
    in `docker diff`, yet a read-only root without it fails (gunicorn does not start)."""
    if any(SCRATCH.path == mount.path or SCRATCH.path.startswith(mount.path + "/") for mount in found):
        return found
    return sorted([*found, SCRATCH], key=lambda mount: mount.path)


def _mount_for(leaf: str, added: set[str]) -> tuple[str, str, str]:
    path = PurePosixPath(leaf)
    for runtime in RUNTIME_DIRECTORIES:
        if leaf == runtime or leaf.startswith(runtime + "/"):
            return runtime, "tmpfs", f"a runtime directory: it wrote {leaf}"
    top = path  # the shallowest directory it created on this path (the path itself when none)
    while str(top.parent) in added:
        top = top.parent
    for ancestor in [path, *path.parents]:
        if ancestor.name in CACHE_NAMES and str(ancestor) != "/":
            # the directory of the image's that it wrote into, when that is inside the cache directory
            existing = top.parent if leaf in added else path.parent
            inside = existing == ancestor or ancestor in existing.parents
            return (
                str(existing if inside else ancestor),
                "tmpfs",
                f"a cache or scratch directory: it wrote {leaf}",
            )
    if leaf not in added:
        if str(path.parent) == "/":
            return leaf, "volume", f"it changed {leaf} (its owner or mode, as an entrypoint's chown does)"
        return (
            leaf,
            "changed",
            "it rewrites this file of the image, and a mount would hide or freeze the image's files: "
            "no mount for it (read_only says whether it runs without writing it)",
        )
    # the shallowest directory it created on this path; a file it created: the directory it is in
    directory = top if top != path or str(path.parent) == "/" else path.parent
    return (
        str(directory),
        "volume",
        f"it wrote {leaf}, outside runtime and cache directories: data a restart should keep "
        "(a tmpfs would lose it; a new volume starts with the image's files there)",
    )


def _failure(observation: Observation) -> str:
    if observation.error:
        return observation.error
    if observation.oom_killed:
        return "killed for memory"
    if observation.health == "unhealthy":
        return "unhealthy"
    last = observation.logs.strip().splitlines()[-1:] if observation.logs else []
    return f"exit {observation.exit_code}" + (f" ({last[0][:160]})" if last else "")


def render_text(learned: Learned) -> str:
    lines = [f"learn {learned.subject}"]
    if not learned.works:
        lines.append(f"  {learned.reasons.get('works', 'it did not work')}")
        lines.append(f"nothing learned, {learned.runs} runs in {learned.seconds:.1f} s")
        return "\n".join(lines) + "\n"
    rows = [
        ("cap_add", learned.reasons.get("cap_add", "")),
        ("user", learned.reasons.get("user", "")),
        ("read_only", f"{'yes' if learned.read_only else 'no'}: {learned.reasons.get('read_only', '')}"),
        (
            "no-new-privileges",
            f"{'yes' if learned.no_new_privileges else 'no'}: {learned.reasons.get('no_new_privileges', '')}",
        ),
    ]
    rows += [(mount.kind, f"{mount.path}: {mount.reason}") for mount in learned.mounts]
    if not learned.mounts:
        rows.append(("mounts", learned.reasons.get("mounts", "")))
    rows += [(key, learned.reasons[key]) for key in ("memory", "pids") if key in learned.reasons]
    lines += [f"  {name:<18} {text}" for name, text in rows]
    verdict = (
        "confirmed by a run with exactly this profile"
        if learned.confirmed
        else learned.reasons.get("confirmed", "not confirmed")
    )
    lines.append(f"  docker run {' '.join(learned.docker_run_flags())} {learned.image or 'IMAGE'}")
    lines.append(f"{verdict}; {learned.runs} runs in {learned.seconds:.1f} s")
    return "\n".join(lines) + "\n"
