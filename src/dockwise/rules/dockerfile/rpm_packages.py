"""Rules of the `package-manager-hygiene` category for the rpm world: yum, dnf (and microdnf, tdnf) and
zypper used so builds do not wait for a prompt and images do not keep the repository metadata."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.dockerfile.shell import ShellCommand
from dockwise.rules._base import DockerfileContext, DockerfileRule
from dockwise.rules.dockerfile.packages import CacheLeftInLayer, has_option, operands, runs
from dockwise.rules.dockerfile.pinning import RPM_OPTIONS_WITH_VALUE, ZYPPER_OPTIONS_WITH_VALUE

#: Subcommands that change the installed packages, so ask for confirmation (yum and dnf spellings).
_CHANGES_PACKAGES = frozenset(
    {"install", "in", "groupinstall", "localinstall", "reinstall", "update", "up", "upgrade", "remove", "rm",
     "erase", "downgrade", "autoremove", "distro-sync", "distrosync", "dsync", "swap", "groupupdate",
     "groupremove", "update-minimal", "upgrade-minimal", "up-min", "rei", "builddep"}
)  # fmt: skip
#: `group` and `module` actions that change packages (`dnf module enable` too).
_GROUP_ACTIONS = frozenset(
    {"install", "remove", "upgrade", "update", "enable", "disable", "reset", "switch-to"}
)
#: Subcommands that download repository metadata and packages into the cache.
_FILLS_CACHE = frozenset(
    {"install", "in", "groupinstall", "localinstall", "reinstall", "update", "up", "upgrade", "downgrade",
     "distro-sync", "distrosync", "dsync", "swap", "groupupdate", "update-minimal", "upgrade-minimal",
     "up-min", "rei", "builddep", "makecache", "mc", "group", "module"}
)  # fmt: skip
_YUM = frozenset({"yum"})
_DNF = frozenset({"dnf", "dnf5", "microdnf", "tdnf"})
_RPM_CACHES = ("/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/tdnf")


def _action(command: ShellCommand, options_with_value: frozenset[str]) -> tuple[str | None, str | None]:
    """The subcommand and the word after it (`group`, `install` in `dnf -y group install x`)."""
    values = [w.value for w in operands(command.arguments, options_with_value)]
    static = [value for value in values if value]
    return (static[0] if static else None), (static[1] if len(static) > 1 else None)


def _changes_packages(command: ShellCommand) -> bool:
    first, second = _action(command, RPM_OPTIONS_WITH_VALUE)
    if first in ("group", "groups", "module"):
        return second in _GROUP_ACTIONS
    return first in _CHANGES_PACKAGES


class _RpmWithoutYes(DockerfileRule):
    """Shared check: a yum or dnf command that changes packages without `-y`."""

    abstract = True
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.WARNING
    programs: ClassVar[frozenset[str]]

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for _, command in runs(context, shipped_only=False):
            if command.name not in self.programs or not _changes_packages(command):
                continue
            if has_option(command, ("--assumeyes",), "y"):
                continue
            if any("assumeyes=" in value for value in command.values()):
                continue  # --setopt=assumeyes=1
            action = " ".join(filter(None, _action(command, RPM_OPTIONS_WITH_VALUE)))
            yield context.diagnostic(
                self, command.range, f"{command.name} {action} without -y waits for a confirmation prompt"
            )


class YumWithoutYes(_RpmWithoutYes):
    """`yum install` (or another command that changes packages) without `-y`.

    Every subcommand that asks "Is this ok [y/N]" is read (install, update, remove, group install …),
    not only the install ones hadolint checks.

    ## Why is this bad?
    A build has no terminal to answer the confirmation prompt: yum reads end of input as "no" and the
    build fails with "Operation aborted".

    ## Example
    ```dockerfile
    RUN yum install httpd && yum clean all
    ```

    ## Use instead
    ```dockerfile
    RUN yum install -y httpd && yum clean all
    ```
    """

    code = "DW220"
    name = "yum-without-yes"
    aliases = ("DL3030",)
    programs = _YUM


class DnfWithoutYes(_RpmWithoutYes):
    """`dnf install` (or another command that changes packages) without `-y`; also tdnf.

    microdnf is not reported (hadolint reports it): without a terminal it goes ahead, as the official
    images that run `microdnf install` without `-y` on `oraclelinux:9-slim` show every day.

    ## Why is this bad?
    A build has no terminal to answer the confirmation prompt: dnf reads end of input as "no" and the
    build fails with "Operation aborted".

    ## Example
    ```dockerfile
    RUN dnf install nginx && dnf clean all
    ```

    ## Use instead
    ```dockerfile
    RUN dnf install -y nginx && dnf clean all
    ```
    """

    code = "DW221"
    name = "dnf-without-yes"
    aliases = ("DL3038",)
    programs = frozenset({"dnf", "dnf5", "tdnf"})


_ZYPPER_CHANGES = frozenset(
    {"install", "in", "remove", "rm", "source-install", "si", "patch", "update", "up", "dist-upgrade", "dup",
     "install-new-recommends", "inr", "verify", "ve"}
)  # fmt: skip


def _zypper_action(command: ShellCommand) -> str | None:
    return _action(command, ZYPPER_OPTIONS_WITH_VALUE)[0] if command.name == "zypper" else None


class ZypperWithoutNonInteractive(DockerfileRule):
    """`zypper install` (or another command that changes packages) without `--non-interactive`.

    ## Why is this bad?
    zypper asks for confirmation before changing packages; a build has no terminal to answer, so the
    build stops or fails at the prompt.

    ## Example
    ```dockerfile
    RUN zypper install curl && zypper clean --all
    ```

    ## Use instead
    ```dockerfile
    RUN zypper --non-interactive install curl && zypper clean --all
    ```
    """

    code = "DW222"
    name = "zypper-without-non-interactive"
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.WARNING
    aliases = ("DL3034",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for _, command in runs(context, shipped_only=False):
            action = _zypper_action(command)
            if action not in _ZYPPER_CHANGES:
                continue
            if has_option(command, ("--non-interactive", "--no-confirm"), "ny"):
                continue
            yield context.diagnostic(
                self, command.range, f"zypper {action} without --non-interactive waits for a prompt"
            )


class ZypperDistUpgrade(DockerfileRule):
    """`zypper dist-upgrade` in a Dockerfile whose base is not a rolling release.

    Not reported on openSUSE Tumbleweed, where `dist-upgrade` is the supported way to update.

    ## Why is this bad?
    `dist-upgrade` may replace packages across vendors and move the image to the next distribution
    release: the base image's maintainers no longer vouch for what you ship. Use a newer base image,
    or `zypper patch` / `zypper update` for fixes within the release.

    ## Example
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive dist-upgrade
    ```

    ## Use instead
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive patch
    ```
    """

    code = "DW223"
    name = "zypper-dist-upgrade"
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.WARNING
    aliases = ("DL3035",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction, command in runs(context, shipped_only=False):
            if _zypper_action(command) not in ("dist-upgrade", "dup"):
                continue
            stage = context.dockerfile.build.stage_of(instruction)
            root = stage.lineage()[-1] if stage is not None else None
            if root is not None and "tumbleweed" in root.base_expanded.lower():
                continue
            yield context.diagnostic(
                self,
                command.range,
                "zypper dist-upgrade can move the image to another release: "
                "use zypper patch or a newer base image",
            )


class _RpmCacheLeftInLayer(CacheLeftInLayer):
    """Shared reading of `yum`/`dnf … clean all`."""

    abstract = True
    programs: ClassVar[frozenset[str]]
    cache_paths = _RPM_CACHES

    def fills_cache(self, command: ShellCommand) -> bool:
        return command.name in self.programs and _action(command, RPM_OPTIONS_WITH_VALUE)[0] in _FILLS_CACHE

    def cleans(self, command: ShellCommand) -> bool:
        # On Enterprise Linux 8+ yum is dnf: any of them cleans the shared cache.
        return command.name in _YUM | _DNF and _action(command, RPM_OPTIONS_WITH_VALUE) == ("clean", "all")

    def cleans_after(self, filler: ShellCommand, command: ShellCommand) -> bool:
        # microdnf keeps its cache apart from dnf's: `dnf install && microdnf clean all` leaves dnf's.
        if "microdnf" in (filler.name, command.name) and filler.name != command.name:
            return False
        return self.cleans(command)

    def message(self, command: ShellCommand) -> str:
        name = command.name
        return f"{name} leaves its repository metadata in this layer: run {name} clean all in the same RUN"


class YumCacheLeftInLayer(_RpmCacheLeftInLayer):
    """`yum install` in the shipped image without `yum clean all` in the same RUN.

    Also satisfied by `rm -rf /var/cache/yum` (or `/var/cache/dnf`, where yum is dnf) or a cache mount
    there.

    ## Why is this bad?
    yum downloads the repository metadata (often 100 MB and more) and packages into `/var/cache/yum`.
    Unless the same RUN removes them, they are frozen into the layer; a later RUN cannot take them out.

    ## Example
    ```dockerfile
    RUN yum install -y httpd
    ```

    ## Use instead
    ```dockerfile
    RUN yum install -y httpd && yum clean all
    ```
    """

    code = "DW224"
    name = "yum-cache-left-in-layer"
    aliases = ("DL3032",)
    programs = _YUM


class DnfCacheLeftInLayer(_RpmCacheLeftInLayer):
    """`dnf`, `microdnf` or `tdnf install` in the shipped image without `clean all` in the same RUN.

    Also satisfied by `rm -rf /var/cache/dnf` (`/var/cache/libdnf5` for dnf5, `/var/cache/yum` for
    microdnf, `/var/cache/tdnf`) or a cache mount there.

    ## Why is this bad?
    dnf downloads the repository metadata (often 100 MB and more) into its cache directory. Unless the
    same RUN removes it, it is frozen into the layer; a later RUN cannot take it out.

    ## Example
    ```dockerfile
    RUN microdnf install -y nginx
    ```

    ## Use instead
    ```dockerfile
    RUN microdnf install -y nginx && microdnf clean all
    ```
    """

    code = "DW225"
    name = "dnf-cache-left-in-layer"
    aliases = ("DL3040",)
    programs = _DNF


class ZypperCacheLeftInLayer(CacheLeftInLayer):
    """`zypper install` in the shipped image without `zypper clean` in the same RUN.

    Also satisfied by `rm -rf /var/cache/zypp` or a cache mount there.

    ## Why is this bad?
    zypper keeps the repository metadata and the downloaded packages in `/var/cache/zypp`. Unless the
    same RUN removes them, they are frozen into the layer.

    ## Example
    ```dockerfile
    RUN zypper --non-interactive install curl
    ```

    ## Use instead
    ```dockerfile
    RUN zypper --non-interactive install curl && zypper clean --all
    ```
    """

    code = "DW226"
    name = "zypper-cache-left-in-layer"
    aliases = ("DL3036",)
    cache_paths = ("/var/cache/zypp",)

    def fills_cache(self, command: ShellCommand) -> bool:
        return _zypper_action(command) in _ZYPPER_CHANGES - {"remove", "rm"} | {"refresh", "ref"}

    def cleans(self, command: ShellCommand) -> bool:
        return _zypper_action(command) in ("clean", "cc")

    def message(self, command: ShellCommand) -> str:
        return "zypper leaves its repository cache in this layer: run zypper clean --all in the same RUN"
