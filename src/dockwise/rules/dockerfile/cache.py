"""Rules of the `cache-ordering` category: layer order that keeps the dependency cache warm."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockwise.diagnostics import Applicability, Category, Diagnostic, Edit, Fix, Severity, TextRange
from dockwise.dockerfile.shell import ShellCommand, command_fact
from dockwise.dockerfile.tree import Instruction
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability
from dockwise.rules.dockerfile.cache_split import split_broad_copy
from dockwise.rules.dockerfile.packages import subcommand as subcommand_of
from dockwise.rules.fixes import workdir_at

_BROAD_SOURCES = frozenset({".", "./", "*", "./*", "./."})
#: Subcommands that install dependencies from manifests only, per program.
_MANIFEST_INSTALLS: dict[str, tuple[tuple[str, ...], ...]] = {
    "npm": (("ci",), ("install",), ("i",)),
    "yarn": ((), ("install",)),
    "pnpm": (("install",), ("i",)),
    "poetry": (("install",),),
    "uv": (("sync",),),
    "pipenv": (("install",), ("sync",)),
    "pdm": (("install",), ("sync",)),
    "go": (("mod", "download"),),
    "cargo": (("fetch",),),
    "mvn": (("dependency:go-offline",), ("dependency:resolve",)),
    "gradle": (("dependencies",),),
    "gradlew": (("dependencies",),),
    "bundle": (("install",),),
    "composer": (("install",),),
}


@command_fact
def installs_dependencies(command: ShellCommand) -> bool:
    """Whether a command installs what the manifests list (not named packages, not the project itself)."""
    name = command.name or ""
    words = [value for value in command.values() if not value.startswith("-")]
    if name.startswith("pip") or (name.startswith("python") and command.values()[:2] == ["-m", "pip"]):
        values = command.values()
        return "install" in values and any(v in ("-r", "--requirement") or v.startswith("-r") for v in values)
    for subcommand in _MANIFEST_INSTALLS.get(name, ()):
        if tuple(words[: len(subcommand)]) == subcommand:
            return len(words) == len(subcommand)  # `npm install express` names its packages
    return False


def _is_broad_copy(context: DockerfileContext, instruction: Instruction) -> bool:
    if instruction.keyword not in ("COPY", "ADD") or instruction.parsed_flags.from_ or instruction.heredocs:
        return False
    return any(context.dockerfile.word(source) in _BROAD_SOURCES for source in instruction.arguments[:-1])


class BroadCopyBeforeInstall(DockerfileRule):
    """The whole source tree is copied before the dependencies are installed.

    ## Why is this bad?
    BuildKit reuses a layer only while everything before it is unchanged. After `COPY . .`, any edit to
    any source file invalidates the dependency install below it, so every build downloads and installs
    all dependencies again: minutes per build instead of seconds.

    ## Example
    ```dockerfile
    COPY . .
    RUN npm ci
    ```

    ## Use instead
    ```dockerfile
    COPY package.json package-lock.json ./
    RUN npm ci
    COPY . .
    ```
    """

    code = "DW206"
    name = "broad-copy-before-install"
    category = Category.CACHE_ORDERING
    severity = Severity.WARNING
    aliases = ()
    fix_availability = FixAvailability.SOMETIMES
    checks_triggers = False
    fix_safety = (
        "Unsafe: copying the manifests first and the rest later changes the layers and which files "
        "exist while the dependencies install (an install hook that reads the sources would break). "
        "Moving a system package install above `COPY . .` changes the order of layers the same way."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.stages:
            broad: Instruction | None = None
            for instruction in stage.instructions:
                if broad is None and _is_broad_copy(context, instruction):
                    broad = instruction
                elif broad is not None and instruction.keyword == "RUN":
                    install = next(
                        (c for c in context.run_commands(instruction) if installs_dependencies(c)), None
                    )
                    if install is not None:
                        text = " ".join(word.text for word in install.words)
                        line = instruction.start_line
                        yield context.diagnostic(
                            self,
                            broad.range,
                            f"every source change re-runs `{text}` (line {line}): copy only "
                            "the dependency manifests before it and the rest after",
                            fix=split_broad_copy(context, stage.instructions, broad, instruction),
                        )
                        break
            else:
                if broad is not None:
                    yield from self._system_install_after(context, stage.instructions, broad)

    def _system_install_after(
        self, context: DockerfileContext, instructions: tuple[Instruction, ...], broad: Instruction
    ) -> Iterator[Diagnostic]:
        """`apt-get install` (or apk, yum, dnf) after the broad COPY: system packages that do not depend on
        the sources are downloaded again on every source change."""
        for instruction in instructions:
            if instruction.keyword != "RUN" or instruction.index < broad.index:
                continue
            install = next((c for c in context.run_commands(instruction) if _installs_system(c)), None)
            if install is None or not _only_named_packages(context, instruction):
                continue  # a RUN that also builds, or installs copied packages, needs the sources
            yield context.diagnostic(
                self,
                broad.range,
                f"every source change re-runs `{install.name} {subcommand_of(install)}` (line "
                f"{instruction.start_line}): install system packages before copying the sources",
                fix=_move_before(context, instructions, broad, instruction),
            )
            return


#: System package managers and the subcommands that install.
_SYSTEM_INSTALLS = {"apt-get": "install", "apt": "install", "apk": "add", "yum": "install", "dnf": "install",
                    "microdnf": "install", "zypper": "install"}  # fmt: skip
#: Commands that may share the moved RUN: package-manager housekeeping that reads no sources.
_HOUSEKEEPING = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "rm", "set"})


def _installs_system(command: ShellCommand) -> bool:
    wanted = _SYSTEM_INSTALLS.get(command.name or "")
    return wanted is not None and subcommand_of(command) == wanted


def _only_named_packages(context: DockerfileContext, run: Instruction) -> bool:
    """Whether the RUN only installs packages by name and tidies up after (reads no copied file)."""
    commands = context.run_commands(run)
    for command in commands:
        if command.name not in _HOUSEKEEPING or len(command.words) != len(command.values()) + 1:
            return False  # another program, or a word only known at build time
        for value in command.values():
            if command.name == "rm":
                if not value.startswith(("-", "/var/lib/apt", "/var/cache/")):
                    return False
            elif "/" in value or value.endswith((".deb", ".rpm", ".apk")):
                return False
    return bool(commands)


def _move_before(
    context: DockerfileContext, instructions: tuple[Instruction, ...], broad: Instruction, run: Instruction
) -> Fix | None:
    """Unsafe: move a RUN that only installs named system packages above the broad COPY. Offered when only
    COPY/ADD into a directory other than / and /etc stand between (the sources could otherwise carry apt
    configuration)."""
    if run.is_exec_form or run.heredocs or run.mounts:
        return None
    between = [i for i in instructions if broad.index <= i.index < run.index]
    for each in between:
        if each.keyword not in ("COPY", "ADD") or not each.arguments:
            return None
        destination = each.arguments[-1]
        if not destination.startswith("/"):
            destination = posixpath.join(workdir_at(context, each) or "/", destination)
        if posixpath.normpath(destination) == "/" or destination.startswith("/etc"):
            return None
    text = context.dockerfile.text
    start, end = run.source_range.start, run.source_range.end
    if not text[start:end].endswith("\n"):
        return None
    return Fix(
        "Install the system packages before copying the sources",
        (Edit.insert(broad.source_range.start, text[start:end]), Edit.delete(TextRange(start, end))),
        Applicability.UNSAFE,
    )


#: ARG names whose value changes on every commit or build (tokens of the name, upper-cased).
_VOLATILE_NAMES = frozenset(
    {
        "GIT_COMMIT", "GIT_SHA", "GIT_HASH", "GIT_REV", "GIT_REVISION", "COMMIT", "COMMIT_SHA", "COMMIT_HASH",
        "COMMIT_ID", "VCS_REF", "VCS_REVISION", "REVISION", "SOURCE_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA",
        "CI_COMMIT_SHORT_SHA", "BUILD_DATE", "BUILD_TIME", "BUILD_TIMESTAMP", "BUILDTIME", "BUILD_NUMBER",
        "BUILD_ID", "BUILD_REF", "SOURCE_DATE_EPOCH",
    }
)  # fmt: skip
"""The project's own commit and the build's date or number: they change on every build. A name with
another prefix (`GOLANG_COMMIT`, `NGINX_SHA`) pins an upstream source and changes only on purpose."""


def _heavy(context: DockerfileContext, run: Instruction) -> ShellCommand | None:
    """The first command of a RUN that installs packages or dependencies (the slow, cacheable work)."""
    from dockwise.rules.dockerfile.run_semantics import installs

    return next((c for c in context.run_commands(run) if installs(c) or installs_dependencies(c)), None)


class VolatileArgBeforeInstall(DockerfileRule):
    """An ARG whose value changes on every build (commit SHA, build date) declared before a package install.

    ## Why is this bad?
    Every RUN after an ARG sees it as an environment variable, so BuildKit keys its cache on the value:
    a new commit SHA or build date invalidates every RUN below the ARG, and the package installs run
    from scratch on every build even though nothing they install changed.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    ARG GIT_COMMIT
    RUN pip install --no-cache-dir -r requirements.txt
    LABEL org.opencontainers.image.revision=$GIT_COMMIT
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir -r requirements.txt
    ARG GIT_COMMIT
    LABEL org.opencontainers.image.revision=$GIT_COMMIT
    ```
    """

    code = "DW208"
    name = "volatile-arg-before-install"
    category = Category.CACHE_ORDERING
    severity = Severity.WARNING
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Unsafe: the RUNs the ARG is moved past no longer see the variable in their environment; the "
        "fix is offered only when none of them names it, but a script they run could still read it."
    )
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.stages:
            for arg in stage.instructions:
                if arg.keyword != "ARG" or len(arg.arguments) != 1:
                    continue
                name = arg.arguments[0].partition("=")[0]
                if name.upper() not in _VOLATILE_NAMES:
                    continue
                later = [i for i in stage.instructions if i.index > arg.index]
                heavy = [
                    (run, found)
                    for run in later
                    if run.keyword == "RUN"
                    for found in [_heavy(context, run)]
                    if found
                ]
                if not heavy:
                    continue
                run, command = heavy[0]
                yield context.diagnostic(
                    self,
                    arg.range,
                    f"ARG {name} changes on every build and invalidates the cache of `{command.name} "
                    f"{subcommand_of(command)}` (line {run.start_line}) and every RUN after it: declare it "
                    "after the installs",
                    fix=_move_arg(context, arg, name, later, heavy[-1][0]),
                )


def _mentions(instruction: Instruction, text: str, name: str) -> bool:
    return f"${name}" in text or f"${{{name}" in text


def _move_arg(
    context: DockerfileContext, arg: Instruction, name: str, later: list[Instruction], last_heavy: Instruction
) -> Fix | None:
    """Move the ARG down to just before the first instruction that uses it, when that comes after the
    last install and nothing before it names the variable."""
    text = context.dockerfile.text
    target = next(
        (i for i in later if _mentions(i, text[i.source_range.start : i.source_range.end], name)), None
    )
    if target is None or target.index <= last_heavy.index or any(i.keyword == "FROM" for i in later):
        return None
    start, end = arg.source_range.start, arg.source_range.end
    if not text[start:end].endswith("\n"):
        return None
    return Fix(
        f"Declare ARG {name} after the installs",
        (Edit.delete(TextRange(start, end)), Edit.insert(target.source_range.start, text[start:end])),
        Applicability.UNSAFE,
    )
