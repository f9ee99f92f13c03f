"""Rules of the `package-manager-hygiene` category: apt, apk and pip used so images stay small and builds
non-interactive. The commands are read with a shell parser (`dockwise.dockerfile.shell`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.dockerfile.shell import ShellCommand
from dockwise.dockerfile.tree import Instruction
from dockwise.rules._base import DockerfileContext, DockerfileRule

_APT = frozenset({"apt-get", "apt"})
_PIP = re.compile(r"pip[0-9.]*")
_PYTHON = re.compile(r"python[0-9.]*")
_OPTIONS_WITH_VALUE = frozenset({"-o", "-c", "-t", "--option", "--config-file", "--target-release"})


def _subcommand(command: ShellCommand) -> str | None:
    """The first argument that is not an option (`install` in `apt-get -y install curl`)."""
    skip = False
    for value in command.values():
        if skip:
            skip = False
            continue
        if value in _OPTIONS_WITH_VALUE:
            skip = True
            continue
        if not value.startswith("-"):
            return value
    return None


def _short_flags(command: ShellCommand) -> str:
    """All letters of short option clusters (`-yqq` gives "yqq")."""
    return "".join(
        v[1:] for v in command.values() if v.startswith("-") and not v.startswith("--") and "=" not in v
    )


def _removes_apt_lists(command: ShellCommand) -> bool:
    """`rm -rf /var/lib/apt/lists/*`, or `apt-get dist-clean` (apt 2.7+, Debian trixie): the same."""
    if command.name == "rm":
        return any(value.startswith("/var/lib/apt/lists") for value in command.values())
    return command.name in _APT and _subcommand(command) == "dist-clean"


def _mount_targets(instruction: Instruction) -> list[str]:
    return [mount.target or "" for mount in instruction.mounts if mount.type == "cache"]


def _runs(context: DockerfileContext, *, shipped_only: bool) -> Iterator[tuple[Instruction, ShellCommand]]:
    instructions = context.shipped_instructions() if shipped_only else context.dockerfile.instructions
    for instruction in instructions:
        if instruction.keyword == "RUN":
            for command in context.run_commands(instruction):
                yield instruction, command


def _apt_installs(
    context: DockerfileContext, *, shipped_only: bool
) -> Iterator[tuple[Instruction, ShellCommand]]:
    for instruction, command in _runs(context, shipped_only=shipped_only):
        if command.name in _APT and _subcommand(command) == "install":
            yield instruction, command


class AptInstallWithoutYes(DockerfileRule):
    """`apt-get install` without `-y`: the build stops at the confirmation prompt.

    ## Why is this bad?
    A build has no terminal to answer "Do you want to continue? [Y/n]"; apt aborts and the build fails
    as soon as the package list needs a confirmation.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install curl
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    ```
    """

    code = "DW201"
    name = "apt-install-without-yes"
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.WARNING
    aliases = ("DL3014",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for _, command in _apt_installs(context, shipped_only=False):
            values = command.values()
            flags = _short_flags(command)
            if "y" in flags or flags.count("q") >= 2:
                continue
            if any(v in ("--yes", "--assume-yes", "--quiet=2", "-q=2") for v in values):
                continue
            yield context.diagnostic(
                self, command.range, f"{command.name} install without -y waits for a prompt"
            )


class AptInstallRecommends(DockerfileRule):
    """`apt-get install` without `--no-install-recommends` in the shipped image.

    ## Why is this bad?
    Debian and Ubuntu install "recommended" packages by default: documentation, extra tools, often
    tens or hundreds of megabytes the application never uses, each one more thing to patch.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y curl
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    ```
    """

    code = "DW202"
    name = "apt-install-recommends"
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.WARNING
    aliases = ("DL3015",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for _, command in _apt_installs(context, shipped_only=True):
            values = command.values()
            if "--no-install-recommends" in values:
                continue
            if any("Install-Recommends" in v and v.rsplit("=", 1)[-1] in ("false", "0") for v in values):
                continue
            yield context.diagnostic(
                self, command.range, f"{command.name} install also installs recommended packages"
            )


class AptListsNotRemoved(DockerfileRule):
    """apt package lists left in the shipped image.

    ## Why is this bad?
    `apt-get update` downloads package lists into `/var/lib/apt/lists` (tens of MB). Unless the same RUN
    removes them, or keeps them in a BuildKit cache mount, they are frozen into the layer for good.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl \\
        && rm -rf /var/lib/apt/lists/*
    # or keep them out of the image altogether:
    RUN --mount=type=cache,target=/var/lib/apt/lists --mount=type=cache,target=/var/cache/apt \\
        apt-get update && apt-get install -y --no-install-recommends curl
    ```
    """

    code = "DW203"
    name = "apt-lists-not-removed"
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.WARNING
    aliases = ("DL3009",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        reported: set[int] = set()
        for instruction, command in _apt_installs(context, shipped_only=True):
            if instruction.index in reported:
                continue
            if any(target.startswith("/var/lib/apt") for target in _mount_targets(instruction)):
                continue
            removes = any(_removes_apt_lists(other) for other in context.run_commands(instruction))
            if not removes:
                reported.add(instruction.index)
                yield context.diagnostic(
                    self,
                    command.range,
                    "apt lists stay in this layer: rm -rf /var/lib/apt/lists/* in the same RUN "
                    "or use a cache mount",
                )


class ApkAddWithCache(DockerfileRule):
    """`apk add` without `--no-cache` in the shipped image.

    ## Why is this bad?
    Without `--no-cache`, apk keeps its package index in `/var/cache/apk` inside the layer: a few MB
    on every image that never needs them at run time.

    ## Example
    ```dockerfile
    RUN apk update && apk add curl
    ```

    ## Use instead
    ```dockerfile
    RUN apk add --no-cache curl
    ```
    """

    code = "DW204"
    name = "apk-add-with-cache"
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.WARNING
    aliases = ("DL3019",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction, command in _runs(context, shipped_only=True):
            if command.name != "apk" or _subcommand(command) != "add":
                continue
            if {"--no-cache", "--no-network"} & set(command.values()):
                continue  # --no-network installs from an index fetched earlier: no cache is written
            if any(
                target.startswith(("/var/cache/apk", "/etc/apk/cache"))
                for target in _mount_targets(instruction)
            ):
                continue
            cleans = any(
                other.name == "rm" and any(v.startswith("/var/cache/apk") for v in other.values())
                for other in context.run_commands(instruction)
            )
            if not cleans:
                yield context.diagnostic(
                    self, command.range, "apk add without --no-cache keeps the index in the layer"
                )


class PipInstallWithCache(DockerfileRule):
    """`pip install` without `--no-cache-dir` in the shipped image.

    ## Why is this bad?
    pip keeps every downloaded wheel in `~/.cache/pip`. In an image that cache is dead weight, often as
    large as the installed packages themselves.

    ## Example
    ```dockerfile
    RUN pip install -r requirements.txt
    ```

    ## Use instead
    ```dockerfile
    RUN pip install --no-cache-dir -r requirements.txt
    # or, faster rebuilds and no cache in the image:
    RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
    ```
    """

    code = "DW205"
    name = "pip-install-with-cache"
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.WARNING
    aliases = ("DL3042",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction, command in _runs(context, shipped_only=True):
            if not _is_pip_install(command) or "--no-cache-dir" in command.values():
                continue
            if any(".cache/pip" in target for target in _mount_targets(instruction)):
                continue
            if context.dockerfile.build.variables_before(instruction).get("PIP_NO_CACHE_DIR"):
                continue  # pip has long read any non-empty PIP_NO_CACHE_DIR (even "0") as "no cache"
            yield context.diagnostic(self, command.range, "pip install keeps its download cache in the layer")


def _is_pip_install(command: ShellCommand) -> bool:
    """`pip install`, `pip3.12 install`, `python3 -m pip install`."""
    name = command.name or ""
    values = command.values()
    if _PIP.fullmatch(name):
        return values[:1] == ["install"]
    return bool(_PYTHON.fullmatch(name)) and values[:3] == ["-m", "pip", "install"]
