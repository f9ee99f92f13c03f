"""Rules of the `buildkit-mounts` category: RUN flags that BuildKit honours in ways a reader does not expect.

A cache mount is a directory BuildKit keeps between builds; it starts empty, owned by root, shared by
concurrent builds unless told otherwise, and Debian's images clean apt's cache after every install. The
`--security` and `--network` flags ask the builder for entitlements or reach the host's network.
"""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.diagnostics import Applicability, Category, Diagnostic, Edit, Fix, Severity, TextRange
from dockwise.dockerfile.build import Stage
from dockwise.dockerfile.flags import Mount, parse_mount
from dockwise.dockerfile.tree import Instruction
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability
from dockwise.rules.dockerfile.packages import runs_as_root

_APT_CACHE_DIRS = ("/var/cache/apt", "/var/lib/apt")
#: Debian and Ubuntu release names, as they appear in tags (`python:3.12-slim-bookworm`).
_DEBIAN_RELEASES = (
    "buster", "bullseye", "bookworm", "trixie", "sid", "bionic", "focal", "jammy", "noble", "oracular",
    "plucky",
)  # fmt: skip
#: Official images whose default variants are Debian (their `-alpine` and Windows variants are not).
_DEBIAN_DEFAULT = frozenset(
    {
        "debian", "ubuntu", "python", "node", "ruby", "golang", "php", "perl", "rust", "buildpack-deps",
        "gcc", "openjdk", "eclipse-temurin", "maven", "gradle", "haskell", "elixir", "erlang", "julia",
        "r-base", "postgres", "mysql", "nginx", "httpd", "redis", "rabbitmq", "mongo", "mariadb",
    }
)  # fmt: skip
_NOT_DEBIAN_TAGS = ("alpine", "windows", "nanoserver", "servercore", "ubi", "oracle", "amazon", "centos")


def runs_on_debian(stage: Stage) -> bool:
    """Whether the stage's root image is Debian or Ubuntu (the ones shipping the `docker-clean` apt hook)."""
    base = stage.lineage()[-1].base
    if base is None:
        return False
    name = base.repository.rsplit("/", 1)[-1]
    tag = (base.tag or "").lower()
    if any(marker in tag for marker in _NOT_DEBIAN_TAGS):
        return False
    if any(release in tag for release in _DEBIAN_RELEASES):
        return True
    return name in _DEBIAN_DEFAULT and base.registry == "docker.io"


def _apt_cache_mounts(instruction: Instruction) -> list[Mount]:
    return [
        mount
        for mount in instruction.mounts
        if mount.type == "cache" and (mount.target or "").rstrip("/").startswith(_APT_CACHE_DIRS)
    ]


def _mount_flags(context: DockerfileContext, instruction: Instruction) -> Iterator[tuple[Mount, TextRange]]:
    """Each `--mount` flag with where it is written, when its source text is the flag as parsed."""
    for flag, where in zip(instruction.flags, instruction.flag_ranges, strict=False):
        name, _, value = flag.partition("=")
        if name.lower() != "--mount" or context.dockerfile.text[where.start : where.end] != flag:
            continue
        mount, _problems = parse_mount(value)
        if mount is not None:
            yield mount, where


def _keeps_apt_cache(context: DockerfileContext, run: Instruction) -> bool:
    """Whether a RUN before this one (in its stage chain) or this one turns off `docker-clean`."""
    stage = context.dockerfile.build.stage_of(run)
    for each in reversed(stage.lineage()) if stage is not None else ():
        for candidate in each.instructions:
            if candidate.index > run.index or candidate.keyword != "RUN":
                continue
            text = context.dockerfile.text[candidate.source_range.start : candidate.source_range.end]
            if "docker-clean" in text or "Keep-Downloaded-Packages" in text:
                return True
    return False


_KEEP_CACHE = (
    "RUN rm -f /etc/apt/apt.conf.d/docker-clean; "
    "echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache\n"
)


class AptCacheMountEmptied(DockerfileRule):
    """An apt cache mount that the `docker-clean` hook of Debian and Ubuntu images empties after each install.

    The official Debian and Ubuntu images configure apt (`/etc/apt/apt.conf.d/docker-clean`) to delete the
    downloaded `.deb` files as soon as an install ends, to keep layers small. Under a cache mount that
    hook defeats the mount: the cache is emptied before the build ends.

    ## Why is this bad?
    `RUN --mount=type=cache,target=/var/cache/apt apt-get install ...` is written to reuse downloaded
    packages between builds, but the hook deletes them every time: every build downloads them again, and
    the mount only adds a shared directory to keep locked.

    ## Example
    ```dockerfile
    FROM debian:bookworm
    RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\
        apt-get update && apt-get install -y --no-install-recommends gcc
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm
    RUN rm -f /etc/apt/apt.conf.d/docker-clean; \\
        echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
    RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\
        apt-get update && apt-get install -y --no-install-recommends gcc
    ```
    """

    code = "DW250"
    name = "apt-cache-mount-emptied"
    category = Category.BUILDKIT_MOUNTS
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Unsafe: the inserted RUN removes a file of the base image and adds an apt setting, so the "
        "image differs (it keeps apt's downloads wherever no cache mount covers /var/cache/apt)."
    )
    checks_triggers = False  # a trigger runs on a child's base, not this one

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.stages:
            if not runs_on_debian(stage):
                continue
            for run in stage.instructions:
                if run.keyword != "RUN":
                    continue
                if not any((m.target or "").startswith("/var/cache/apt") for m in _apt_cache_mounts(run)):
                    continue
                if _keeps_apt_cache(context, run):
                    continue
                fix = None
                if runs_as_root(context, run):  # the inserted RUN edits /etc/apt
                    keyword = "run" if context.dockerfile.text[run.keyword_range.start].islower() else "RUN"
                    fix = Fix(
                        "Turn off docker-clean before the cache mount is used",
                        (Edit.insert(run.source_range.start, keyword + _KEEP_CACHE[3:]),),
                        Applicability.UNSAFE,
                    )
                yield context.diagnostic(
                    self,
                    run.keyword_range if not run.flags else run.flag_ranges[0],
                    "the base image's docker-clean hook empties this apt cache mount after every install: "
                    "remove /etc/apt/apt.conf.d/docker-clean first",
                    fix=fix,
                )
                break  # the fix covers the stage


class CacheMountNotWritable(DockerfileRule):
    """A cache mount in a RUN of a non-root USER, without `uid=` (or a `mode` that lets others write).

    ## Why is this bad?
    BuildKit creates a cache mount owned by root with mode 0755 unless `uid`, `gid` or `mode` say
    otherwise. After `USER app`, the tool cannot write its cache there: depending on the tool the build
    fails with "permission denied", or it silently skips the cache and the mount does nothing.

    ## Example
    ```dockerfile
    USER 1000
    RUN --mount=type=cache,target=/home/app/.cache/pip pip install --user -r requirements.txt
    ```

    ## Use instead
    ```dockerfile
    USER 1000
    RUN --mount=type=cache,target=/home/app/.cache/pip,uid=1000 pip install --user -r requirements.txt
    ```
    """

    code = "DW251"
    name = "cache-mount-not-writable"
    category = Category.BUILDKIT_MOUNTS
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Unsafe: `uid=` changes who owns the cache directory, so the tool starts writing a cache it "
        "could not write before. Offered only when USER is a number (a name's uid is unknown)."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for run in context.dockerfile.instructions:
            if run.keyword != "RUN" or not run.mounts or runs_as_root(context, run):
                continue
            user = _user_at(context, run)
            for mount, where in _mount_flags(context, run):
                if mount.type != "cache" or mount.uid is not None or _others_may_write(mount.mode):
                    continue
                fix = None
                uid = user.split(":", 1)[0]
                if uid.isdigit():
                    fix = Fix(f"Own the cache as uid {uid}", (Edit.insert(where.end, f",uid={uid}"),),
                              Applicability.UNSAFE)  # fmt: skip
                yield context.diagnostic(
                    self,
                    where,
                    f"this cache mount belongs to root but the RUN runs as {user}: add uid= (and gid=)",
                    fix=fix,
                )


def _user_at(context: DockerfileContext, run: Instruction) -> str:
    stage = context.dockerfile.build.stage_of(run)
    user = "root"
    for each in reversed(stage.lineage()) if stage is not None else ():
        for candidate in each.instructions:
            if candidate.keyword == "USER" and candidate.index < run.index and candidate.arguments:
                user = candidate.arguments[0]
    return user


def _others_may_write(mode: str | None) -> bool:
    try:
        return mode is not None and int(mode, 8) & 0o002 != 0
    except ValueError:
        return False


class AptCacheMountNotLocked(DockerfileRule):
    """An apt cache mount without `sharing=locked`.

    ## Why is this bad?
    Cache mounts are `shared` by default: two builds running at once (two stages, two targets, CI
    jobs on one builder) use the same directory. apt holds a lock on its cache and lists, so the second
    build fails with "Could not get lock /var/cache/apt/archives/lock", or, worse, they write the same
    files at once.

    ## Example
    ```dockerfile
    RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt \\
        apt-get update && apt-get install -y --no-install-recommends gcc
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\
        --mount=type=cache,target=/var/lib/apt,sharing=locked \\
        apt-get update && apt-get install -y --no-install-recommends gcc
    ```
    """

    code = "DW252"
    name = "apt-cache-mount-not-locked"
    category = Category.BUILDKIT_MOUNTS
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Safe: `sharing=locked` only makes a concurrent build wait for the cache instead of using it "
        "at the same time; what each RUN installs and the image it builds stay the same."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for run in context.dockerfile.instructions:
            if run.keyword != "RUN" or not _apt_cache_mounts(run):
                continue
            located = {mount.raw: where for mount, where in _mount_flags(context, run)}
            for mount in _apt_cache_mounts(run):
                if mount.sharing == "locked":
                    continue
                where = located.get(mount.raw)
                fix = None
                if where is not None and mount.sharing is None:
                    edit = Edit.insert(where.end, ",sharing=locked")
                    fix = Fix("Lock the apt cache mount", (edit,), Applicability.SAFE)
                yield context.diagnostic(
                    self,
                    where or run.keyword_range,
                    f"the apt cache mount on {mount.target} is shared with concurrent builds: add "
                    "sharing=locked",
                    fix=fix,
                )


class RunNeedsEntitlement(DockerfileRule):
    """`RUN --security=insecure` or `RUN --network=host`: a step that needs the builder's permission or
    the host's network.

    ## Why is this bad?
    `--security=insecure` runs the step without the sandbox (like a privileged container) and
    `--network=host` gives it the build machine's network, its localhost services included. Both are
    entitlements the builder must be started with (`--allow security.insecure`, `network.host`), so the
    build fails elsewhere, and what the step produces depends on the host it ran on.

    ## Example
    ```dockerfile
    RUN --network=host pip install --index-url http://localhost:3141/simple app
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=secret,id=pip.conf,target=/etc/pip.conf pip install app
    ```
    """

    code = "DW253"
    name = "run-needs-entitlement"
    category = Category.BUILDKIT_MOUNTS
    severity = Severity.WARNING

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        from dockwise.rules.dockerfile.stage_rules import flag_range

        for run in context.dockerfile.instructions:
            if run.keyword != "RUN" or not run.flags:
                continue
            flags = run.parsed_flags
            if (flags.security or "").lower() == "insecure":
                yield context.diagnostic(
                    self,
                    flag_range(run, "security"),
                    "--security=insecure runs this step outside the sandbox and needs the "
                    "security.insecure entitlement",
                )
            if (flags.network or "").lower() == "host":
                yield context.diagnostic(
                    self,
                    flag_range(run, "network"),
                    "--network=host makes this step depend on the build host's network and needs the "
                    "network.host entitlement",
                )
