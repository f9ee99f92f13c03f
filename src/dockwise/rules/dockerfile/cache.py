"""Rules of the `cache-ordering` category: layer order that keeps the dependency cache warm."""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.dockerfile.shell import ShellCommand
from dockwise.dockerfile.tree import Instruction
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability
from dockwise.rules.dockerfile.cache_split import split_broad_copy

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
