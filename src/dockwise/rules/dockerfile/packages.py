"""Rules of the `package-manager-hygiene` category: package managers used so images stay small and builds
non-interactive, and the command-line reading the pinning and rpm rules share. The commands are read with
a shell parser (`dockwise.dockerfile.shell`)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from typing import ClassVar

from dockwise.diagnostics import Applicability, Category, Diagnostic, Edit, Fix, Severity
from dockwise.dockerfile.shell import ShellCommand, ShellWord, command_fact
from dockwise.dockerfile.tree import Instruction
from dockwise.patterns import LazyPattern
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability
from dockwise.rules.fixes import (
    append_to_run,
    insert_after_word,
    mount_caches,
    subcommand_word,
    wants_cache_mount,
)

_APT = frozenset({"apt-get", "apt"})
_APT_FRONTENDS = _APT | {"aptitude"}
"""Programs whose `install` fills /var/lib/apt/lists (aptitude too, whose options differ from apt-get's)."""
_PIP = re.compile(r"pip[0-9.]*")
_PYTHON = re.compile(r"python[0-9.]*")
APT_OPTIONS_WITH_VALUE = frozenset({"-o", "-c", "-t", "--option", "--config-file", "--target-release"})


def operands(words: Sequence[ShellWord], options_with_value: Collection[str] = ()) -> list[ShellWord]:
    """The words that are not options, skipping the value of each option in `options_with_value`
    (`bookworm` in `apt-get install -t bookworm curl`); every word after `--` is an operand.

    Dynamic words (`$PACKAGES`, whose value is None) are operands too: callers decide what they mean.
    """
    result: list[ShellWord] = []
    skip = False
    for index, word in enumerate(words):
        value = word.value
        if skip:
            skip = False
        elif value == "--":
            result.extend(words[index + 1 :])
            break
        elif value is not None and value.startswith("-") and value != "-":
            skip = value in options_with_value
        else:
            result.append(word)
    return result


@command_fact
def subcommand(
    command: ShellCommand, options_with_value: Collection[str] = APT_OPTIONS_WITH_VALUE
) -> str | None:
    """The first static operand (`install` in `apt-get -y install curl`, also after `$APT_OPTS`)."""
    return next((w.value for w in operands(command.arguments, options_with_value) if w.value), None)


def arguments_after(
    command: ShellCommand, subcommands: Collection[str], options_with_value: Collection[str]
) -> list[ShellWord]:
    """The operands after the subcommand when it is one of `subcommands` (`curl` and `git` in
    `apk add --no-cache curl git`); empty for other subcommands."""
    words = operands(command.arguments, options_with_value)
    for index, word in enumerate(words):
        if word.value is not None:
            return words[index + 1 :] if word.value in subcommands else []
    return []


@command_fact
def option_value(command: ShellCommand, names: Collection[str]) -> str | None:
    """The value given to one of the options `names` (`--type=pattern` or `-t pattern`), None if absent
    or dynamic."""
    words = command.arguments
    for index, word in enumerate(words):
        name, equals, attached = (word.value or "").partition("=")
        if name in names:
            if equals:
                return attached
            return words[index + 1].value if index + 1 < len(words) else None
    return None


@command_fact
def has_option(command: ShellCommand, long: Collection[str] = (), short: str = "") -> bool:
    """Whether the command has one of the `long` options (also as `--name=value`) or one of the `short`
    letters, alone or in a cluster (`-y`, `-qy`)."""
    for value in command.values():
        if value.startswith("--"):
            if value.split("=", 1)[0] in long:
                return True
        elif value.startswith("-") and "=" not in value and any(letter in value[1:] for letter in short):
            return True
    return False


@command_fact
def _short_flags(command: ShellCommand) -> str:
    """All letters of short option clusters (`-yqq` gives "yqq")."""
    return "".join(
        v[1:] for v in command.values() if v.startswith("-") and not v.startswith("--") and "=" not in v
    )


@command_fact
def _removes_apt_lists(command: ShellCommand) -> bool:
    """`rm -rf /var/lib/apt/lists/*`, or `apt-get dist-clean` (apt 2.7+, Debian trixie): the same."""
    if command.name == "rm":
        return any(value.startswith("/var/lib/apt/lists") for value in command.values())
    return command.name in _APT and subcommand(command) == "dist-clean"


def cache_mount_targets(instruction: Instruction) -> list[str]:
    """Where the RUN mounts a cache or a tmpfs: what is written there never reaches the layer."""
    return [mount.target or "" for mount in instruction.mounts if mount.type in ("cache", "tmpfs")]


_ASSIGNMENT = LazyPattern(r"([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S*)")


def environment(context: DockerfileContext, run: Instruction, command: ShellCommand) -> dict[str, str]:
    """The ARG and ENV values a command sees, with its own `NAME=value` prefixes (`UV_NO_CACHE=1 uv sync`)."""
    variables = context.dockerfile.build.variables_before(run)
    for earlier in context.run_commands(run):
        if earlier.range.start >= command.range.start:
            break
        if earlier.name == "export":  # `export PIP_NO_CACHE_DIR=1 && pip install ...`
            variables.update(
                (name, value) for name, _, value in (w.partition("=") for w in earlier.values()) if _
            )
    if command.words and command.range.start < command.words[0].range.start:
        prefix = context.dockerfile.text[command.range.start : command.words[0].range.start]
        variables.update((name, value.strip("'\"")) for name, value in _ASSIGNMENT.findall(prefix))
    return variables


def runs(context: DockerfileContext, *, shipped_only: bool) -> tuple[tuple[Instruction, ShellCommand], ...]:
    """Every command of every RUN, with its instruction; only the shipped stages' with `shipped_only`."""
    return context.run_commands_of_file(shipped_only)


def _apt_installs(
    context: DockerfileContext, *, shipped_only: bool
) -> Iterator[tuple[Instruction, ShellCommand]]:
    for instruction, command in runs(context, shipped_only=shipped_only):
        if command.name in _APT and subcommand(command) == "install":
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
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Safe: a build that passes today never reached the prompt, so -y changes nothing for it; one "
        "that needed a confirmation was aborted by apt (a build has no terminal) and now installs "
        "what it asked for."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for _, command in _apt_installs(context, shipped_only=False):
            values = command.values()
            flags = _short_flags(command)
            if "y" in flags or flags.count("q") + values.count("--quiet") >= 2:
                continue  # -qq (and --quiet --quiet) implies -y
            if any(v in ("--yes", "--assume-yes", "--quiet=2", "-q=2") for v in values):
                continue
            install = subcommand_word(command, ("install",))
            fix = insert_after_word(context, install, " -y", "Add -y")
            yield context.diagnostic(
                self, command.range, f"{command.name} install without -y waits for a prompt", fix=fix
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
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Unsafe: --no-install-recommends changes which packages are installed; a tool that came as a "
        "recommendation disappears (git without openssh-client can no longer clone over ssh)."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for _, command in _apt_installs(context, shipped_only=True):
            values = command.values()
            if "--no-install-recommends" in values:
                continue
            if any("Install-Recommends" in v and v.rsplit("=", 1)[-1] in ("false", "0") for v in values):
                continue
            install = subcommand_word(command, ("install",))
            fix = insert_after_word(
                context,
                install,
                " --no-install-recommends",
                "Add --no-install-recommends",
                Applicability.UNSAFE,  # fewer packages: a tool that came as a recommendation goes
            )
            yield context.diagnostic(
                self, command.range, f"{command.name} install also installs recommended packages", fix=fix
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
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Mixed: removing the lists is safe when no later RUN of the stage, or of a stage built from "
        "it, runs apt without its own `apt-get update`; otherwise it is unsafe, because such a step "
        'finds no lists and fails. Where `package-cache` asks for a mount ("mount", or "auto" in a '
        "Dockerfile that needs BuildKit already) the fix mounts caches on /var/cache/apt and "
        "/var/lib/apt instead: unsafe, as it needs BuildKit and later steps no longer find the lists."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        reported: set[int] = set()
        installs = (
            (instruction, command)
            for instruction, command in runs(context, shipped_only=True)
            if command.name in _APT_FRONTENDS and subcommand(command) == "install"
        )
        for instruction, command in installs:
            if instruction.index in reported:
                continue
            if any(target.startswith("/var/lib/apt") for target in cache_mount_targets(instruction)):
                continue
            removes = any(_removes_apt_lists(other) for other in context.run_commands(instruction))
            if not removes:
                reported.add(instruction.index)
                yield context.diagnostic(
                    self,
                    command.range,
                    "apt lists stay in this layer: rm -rf /var/lib/apt/lists/* in the same RUN "
                    "or use a cache mount",
                    fix=self._fix(context, instruction),
                )

    def _fix(self, context: DockerfileContext, instruction: Instruction) -> Fix | None:
        if wants_cache_mount(context) and runs_as_root(context, instruction):
            mounts = ("/var/cache/apt,sharing=locked", "/var/lib/apt,sharing=locked")
            return mount_caches(instruction, mounts, "Mount build caches on apt's cache and lists")
        later = _later_apt_without_update(context, instruction)
        return append_to_run(
            context,
            instruction,
            "rm -rf /var/lib/apt/lists/*",
            "Remove the apt lists",
            Applicability.UNSAFE if later else Applicability.SAFE,  # a later apt step needs the lists
        )


def _later_runs(context: DockerfileContext, instruction: Instruction) -> Iterator[Instruction]:
    """The RUNs after `instruction` in its stage and in the stages built from it."""
    stage = context.dockerfile.build.stage_of(instruction)
    for other in context.dockerfile.build.stages:
        if stage is None or stage not in other.lineage():
            continue
        for later in other.instructions:
            if later.keyword == "RUN" and later.index > instruction.index:
                yield later


def _later_apt_without_update(context: DockerfileContext, instruction: Instruction) -> bool:
    """Whether a later RUN uses apt's lists (apt-get install, apt-cache ...) without updating them first."""
    for later in _later_runs(context, instruction):
        for command in context.run_commands(later):
            if command.name in _APT and subcommand(command) == "update":
                break
            if command.name in _APT or command.name == "apt-cache":
                return True
    return False


def _apk_updates(command: ShellCommand) -> bool:
    """`apk update`, or `apk add --update`/`-U` (which fetches the index before adding)."""
    if command.name != "apk":
        return False
    return subcommand(command) == "update" or bool(
        {"--update", "-U", "--update-cache"} & set(command.values())
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
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Mixed: --no-cache is safe when the same RUN fetches the index first, or no earlier step left "
        "one: apk then installs from an index fetched now either way. It is unsafe after an earlier "
        "`apk update` left an index in the image: the freshly fetched one may select newer versions. "
        'Where `package-cache` asks for a mount ("mount", or "auto" in a Dockerfile that needs '
        "BuildKit already) the fix mounts a cache on /var/cache/apk: unsafe, as it needs BuildKit."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction, command in runs(context, shipped_only=True):
            if command.name != "apk" or subcommand(command) != "add":
                continue
            if {"--no-cache", "--no-network"} & set(command.values()):
                continue  # --no-network installs from an index fetched earlier: no cache is written
            if any(
                target.startswith(("/var/cache/apk", "/etc/apk/cache"))
                for target in cache_mount_targets(instruction)
            ):
                continue
            cleans = any(
                other.name == "rm" and any(v.startswith("/var/cache/apk") for v in other.values())
                for other in context.run_commands(instruction)
            )
            if not cleans:
                yield context.diagnostic(
                    self,
                    command.range,
                    "apk add without --no-cache keeps the index in the layer",
                    fix=self._fix(context, instruction, command),
                )

    def _fix(self, context: DockerfileContext, instruction: Instruction, command: ShellCommand) -> Fix | None:
        if wants_cache_mount(context):
            return mount_caches(instruction, ("/var/cache/apk",), "Mount a build cache on /var/cache/apk")
        commands = context.run_commands(instruction)
        fetched_here = any(_apk_updates(c) for c in commands[: commands.index(command) + 1])
        stage = context.dockerfile.build.stage_of(instruction)
        earlier = [
            each
            for chain in (reversed(stage.lineage()) if stage is not None else ())
            for each in chain.instructions
            if each.keyword == "RUN" and each.index < instruction.index
        ]
        left_index = any(_apk_updates(c) for each in earlier for c in context.run_commands(each))
        # An index an earlier step left is what apk installs from now; --no-cache fetches a newer one.
        applicability = Applicability.UNSAFE if left_index and not fetched_here else Applicability.SAFE
        add = subcommand_word(command, ("add",))
        return insert_after_word(context, add, " --no-cache", "Add --no-cache", applicability)


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
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Mixed: --no-cache-dir is safe: pip installs the same packages and only skips writing its "
        'download cache. Where `package-cache` asks for a mount ("mount", or "auto" in a Dockerfile '
        "that needs BuildKit already) the fix mounts a cache on /root/.cache/pip: unsafe, as it needs "
        "BuildKit and reuses downloads of earlier builds."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction, command in runs(context, shipped_only=True):
            if (
                command.name == "uv"
                or pip_install_arguments(command) is None
                or "--no-cache-dir" in command.values()
            ):
                continue
            if any(".cache/pip" in target for target in cache_mount_targets(instruction)):
                continue
            if environment(context, instruction, command).get("PIP_NO_CACHE_DIR"):
                continue  # pip has long read any non-empty PIP_NO_CACHE_DIR (even "0") as "no cache"
            yield context.diagnostic(
                self,
                command.range,
                "pip install keeps its download cache in the layer",
                fix=self._fix(context, instruction, command),
            )

    def _fix(self, context: DockerfileContext, instruction: Instruction, command: ShellCommand) -> Fix | None:
        moved = environment(context, instruction, command).get("PIP_CACHE_DIR") or "--cache-dir" in str(
            command.values()
        )
        if wants_cache_mount(context) and runs_as_root(context, instruction) and not moved:
            return mount_caches(instruction, ("/root/.cache/pip",), "Mount a build cache on /root/.cache/pip")
        return _pip_no_cache_fix(context, command)


PIP_OPTIONS_WITH_VALUE = frozenset(
    {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target", "-i", "--index-url",
     "--extra-index-url", "-f", "--find-links", "--src", "-C", "--config-settings", "--prefix", "--root",
     "--platform", "--python-version", "--implementation", "--abi", "--upgrade-strategy", "--progress-bar",
     "--no-binary", "--only-binary", "--global-option", "--install-option", "--report", "--group",
     "--root-user-action", "--log", "--proxy", "--retries", "--timeout", "--exists-action", "--trusted-host",
     "--cert", "--client-cert", "--cache-dir", "--python", "--keyring-provider", "--use-feature",
     "--use-deprecated", "--build-constraint", "-p"}
)  # fmt: skip


def _pip_no_cache_fix(context: DockerfileContext, command: ShellCommand) -> Fix | None:
    skip = 2 if _PYTHON.fullmatch(command.name or "") else 0
    install = subcommand_word(command, ("install",), skip)
    return insert_after_word(context, install, " --no-cache-dir", "Add --no-cache-dir")


def pip_install_arguments(command: ShellCommand) -> list[ShellWord] | None:
    """The operands of `pip install`, `pip3.12 install`, `python3 -m pip install` or `uv pip install`
    (the requirement specifiers); None when the command is no pip install."""
    name = command.name or ""
    values = [word.value for word in command.arguments]
    if _PIP.fullmatch(name):
        words = command.arguments
    elif _PYTHON.fullmatch(name) and values[:2] == ["-m", "pip"]:
        words = command.arguments[2:]
    elif name == "uv" and values[:1] == ["pip"]:
        words = command.arguments[1:]
    else:
        return None
    program = ShellCommand(command.words[:1] + words, command.range)
    if subcommand(program, PIP_OPTIONS_WITH_VALUE) != "install":
        return None
    return arguments_after(program, ("install",), PIP_OPTIONS_WITH_VALUE)


class CacheLeftInLayer(DockerfileRule):
    """Shared check of the rules about a package manager's cache saved in the shipped image.

    A RUN of the shipped stages that fills the cache is reported unless the same RUN, after it, cleans
    the cache (the manager's own clean command or an `rm` of the cache directory or a parent), or the
    cache directory is a cache or tmpfs mount, or the manager is told not to keep a cache. Builder stages
    are free: their caches never ship.
    """

    abstract = True
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.WARNING
    fix_safety = (
        "Unsafe: the fix mounts a BuildKit cache on the cache directory: the build then needs "
        "BuildKit, and the cache is kept between builds instead of being written into the layer "
        "(later RUNs without the mount no longer see it)."
    )
    cache_paths: ClassVar[tuple[str, ...]]
    """Where the cache lives, as paths or path fragments (`/var/cache/yum`, `.npm`)."""
    cache_variables: ClassVar[tuple[tuple[str, str], ...]] = ()
    """Variables that move the cache, each with where the cache is below its value: ("GOPATH", "/pkg/mod").
    A RUN that assigns one itself (`export GOCACHE=…`) is not reported: where the cache went is unknown."""

    def fills_cache(self, command: ShellCommand) -> bool:
        raise NotImplementedError

    def cleans(self, command: ShellCommand) -> bool:
        """Whether the command is the manager's own way to empty its cache."""
        raise NotImplementedError

    def cleans_after(self, filler: ShellCommand, command: ShellCommand) -> bool:
        """Whether `command` empties the cache that `filler` wrote (`cleans`, unless the manager has several
        programs with caches of their own)."""
        return self.cleans(command)

    def keeps_no_cache(self, context: DockerfileContext, run: Instruction, command: ShellCommand) -> bool:
        """Whether options or variables tell the manager not to write the cache (`--no-cache`)."""
        return False

    def cache_directories(self, variables: dict[str, str]) -> tuple[str, ...]:
        """The cache paths: the defaults, where the ARG/ENV `variables` move the cache, and the variables as
        written (`$CARGO_HOME/registry`, for `rm -rf "$CARGO_HOME/registry"` when the base image sets it)."""
        moved = tuple(
            variables[name].rstrip("/") + below for name, below in self.cache_variables if variables.get(name)
        )
        written = tuple(
            f"{reference}{below}"
            for name, below in self.cache_variables
            for reference in (f"${name}", f"${{{name}}}")
        )
        return self.cache_paths + moved + written

    mount_targets: ClassVar[tuple[str, ...]] = ()
    """Where root's cache lives when nothing moves it: the targets of the cache-mount fix (none: no fix)."""
    base_images: ClassVar[tuple[str, ...]] = ()
    """When set, the mount targets hold only on these base images (GOPATH=/go is the golang image's)."""
    shares_with_later_runs: ClassVar[bool] = False
    """The cache is also read by later RUNs (Go's modules, Cargo's registry): they get the mounts too."""

    def message(self, command: ShellCommand) -> str:
        raise NotImplementedError

    def cache_mount_fix(
        self, context: DockerfileContext, run: Instruction, command: ShellCommand
    ) -> Fix | None:
        """Unsafe: mount a BuildKit cache on the cache directories, so the cache stays out of the layer but
        speeds up the next build. Offered for root (whose home is known) when no variable moves the cache.

        No `# syntax=` line is added: the frontend built into BuildKit has supported `RUN --mount` since
        Docker 20.10, and the directive would make every build fetch a frontend image from a registry.
        """
        if not self.mount_targets or not runs_as_root(context, run):
            return None
        if any(environment(context, run, command).get(name) for name, _ in self.cache_variables):
            return None
        stage = context.dockerfile.build.stage_of(run)
        if stage is None:
            return None
        if self.base_images:
            base = stage.lineage()[-1].base
            if base is None or base.repository.rsplit("/", 1)[-1] not in self.base_images:
                return None
        runs = [run]
        if self.shares_with_later_runs:
            runs += [
                later
                for later in context.shipped_instructions()
                if later.keyword == "RUN"
                and later.index > run.index
                and any(self.fills_cache(c) for c in context.run_commands(later))
            ]
        if any(_removes(c, self.mount_targets) for each in runs for c in context.run_commands(each)):
            return None  # `rm -rf` of a mount point fails (the directory is busy): leave it to the user
        edits = []
        for each in runs:
            missing = [t for t in self.mount_targets if t not in cache_mount_targets(each)]
            if missing:
                mounts = "".join(f" --mount=type=cache,target={target}" for target in missing)
                edits.append(Edit.insert(each.keyword_range.end, mounts))
        if not edits:
            return None
        title = f"Mount a build cache on {', '.join(self.mount_targets)}"
        return Fix(title, tuple(edits), Applicability.UNSAFE)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for run in context.shipped_instructions():
            if run.keyword != "RUN":
                continue
            commands = context.run_commands(run)
            fillers = [
                index
                for index, command in enumerate(commands)
                if self.fills_cache(command) and not self.keeps_no_cache(context, run, command)
            ]
            if not fillers:
                continue
            last = commands[fillers[-1]]
            if self.cache_variables and re.search(
                rf"(?<![\w$])(?:{'|'.join(name for name, _ in self.cache_variables)})=", _text(context, run)
            ):
                continue
            paths = self.cache_directories(environment(context, run, last))
            if any(_covers(target, path) for target in cache_mount_targets(run) for path in paths):
                continue
            if any(self.cleans_after(last, c) or _removes(c, paths) for c in commands[fillers[-1] + 1 :]):
                continue
            fix = self.cache_mount_fix(context, run, last)
            yield context.diagnostic(self, last.range, self.message(last), fix=fix)


def runs_as_root(context: DockerfileContext, instruction: Instruction) -> bool:
    """Whether the RUN runs as root: no USER before it in its stage chain, or a USER root/0 last (a base
    image's own USER is unknown; images that set one rarely ship package managers)."""
    stage = context.dockerfile.build.stage_of(instruction)
    user = "root"
    for each in reversed(stage.lineage()) if stage is not None else ():
        for candidate in each.instructions:
            if candidate.keyword == "USER" and candidate.index < instruction.index and candidate.arguments:
                user = candidate.arguments[0]
    return user.split(":", 1)[0] in ("root", "0")


def _text(context: DockerfileContext, instruction: Instruction) -> str:
    """The instruction as written, heredoc bodies included."""
    return context.dockerfile.text[instruction.source_range.start : instruction.source_range.end]


def _covers(text: str, path: str) -> bool:
    """Whether a removed or mounted path `text` is the cache `path`, inside it, or a parent of it.

    A `path` without a leading `/` is a fragment found anywhere (`.npm` in `/home/node/.npm`), whole
    segments only (`.npmrc` is not `.npm`). `~` and `$HOME` are read as root's home.
    """
    text = text.strip("'\"")
    for prefix in ("~", "$HOME", "${HOME}"):
        if text == prefix or text.startswith(prefix + "/"):
            text = "/root" + text[len(prefix) :]
    text = text.removesuffix("/*").rstrip("/")
    if not text or text.startswith("-"):
        return False
    if path.startswith("/"):
        return text == path or text.startswith(path + "/") or path.startswith(text + "/")
    segments = path.split("/")
    padded = f"/{text}/"
    if f"/{path}/" in padded:
        return True
    return any(f"/{text}".endswith("/" + "/".join(segments[:k])) for k in range(1, len(segments)))


def _removes(command: ShellCommand, paths: Sequence[str]) -> bool:
    """`rm -rf` of a cache directory, of something in it, or of a parent (`rm -rf /var/cache/*`)."""
    return command.name == "rm" and any(_covers(w.text, p) for w in command.arguments for p in paths)


#: apt subcommands and what a script runs instead.
_APT_GET_EQUIVALENTS = {
    "full-upgrade": "apt-get dist-upgrade",
    "search": "apt-cache search",
    "show": "apt-cache show",
    "policy": "apt-cache policy",
    "depends": "apt-cache depends",
    "rdepends": "apt-cache rdepends",
    "list": "dpkg-query --list",
}


class AptInScript(DockerfileRule):
    """`apt` used in a RUN instead of `apt-get`.

    ## Why is this bad?
    `apt` is the command line for people at a terminal: its output, progress bars and defaults may change
    between releases, and it warns "apt does not have a stable CLI interface. Use with caution in
    scripts." `apt-get` and `apt-cache` keep a stable interface for scripts such as a Dockerfile.

    ## Example
    ```dockerfile
    RUN apt update && apt install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
    ```
    """

    code = "DW207"
    name = "apt-in-script"
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.WARNING
    aliases = ("DL3027",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for _, command in runs(context, shipped_only=False):
            if command.name != "apt":
                continue
            action = subcommand(command)
            if action is None:
                continue  # `apt --version`
            instead = _APT_GET_EQUIVALENTS.get(action, f"apt-get {action}")
            yield context.diagnostic(
                self,
                command.words[0].range,
                f"apt {action}: apt's command line is not stable for scripts, use {instead}",
            )


#: wget options that keep it from printing a progress line per downloaded chunk.
_WGET_QUIET_LONG = (
    "--quiet",
    "--no-verbose",
    "--progress",
    "--output-file",
    "--append-output",
)


class WgetWithoutProgressLimit(DockerfileRule):
    """`wget` without an option that limits its progress output (opt-in).

    Satisfied by `-q`, `-nv`, `--progress=…`, or a log file (`-o`, `-a`).

    ## Why is this bad?
    Without a terminal, GNU wget prints a line of dots for every few kilobytes it downloads: a large
    download fills the build log with thousands of lines and hides the lines that matter. It is log noise,
    not an image problem, so this rule is off unless selected.

    ## Example
    ```dockerfile
    RUN wget https://example.com/tool.tar.gz
    ```

    ## Use instead
    ```dockerfile
    RUN wget --progress=dot:giga https://example.com/tool.tar.gz
    ```
    """

    code = "DW230"
    name = "wget-without-progress-limit"
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.INFO
    aliases = ("DL3047",)
    default_enabled = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for _, command in runs(context, shipped_only=False):
            if command.name != "wget" or "-nv" in command.values():
                continue
            if has_option(command, _WGET_QUIET_LONG, "qoa"):
                continue
            yield context.diagnostic(
                self,
                command.words[0].range,
                "wget prints a progress line per chunk: add -nv or --progress=dot:giga",
            )


class WgetAndCurl(DockerfileRule):
    """Both `wget` and `curl` used in the shipped image (opt-in).

    Reported at the first use of the second tool. Builder stages are free: their tools do not ship.

    ## Why is this bad?
    Two download tools do one job: each one installed is more megabytes and more CVEs to patch. Use the
    one the base image already has (curl on Debian-based images, busybox wget on Alpine).

    ## Example
    ```dockerfile
    RUN wget -q -O /tmp/a.tar.gz https://example.com/a.tar.gz
    RUN curl -fsSL -o /tmp/b.tar.gz https://example.com/b.tar.gz
    ```

    ## Use instead
    ```dockerfile
    RUN curl -fsSL -o /tmp/a.tar.gz https://example.com/a.tar.gz
    RUN curl -fsSL -o /tmp/b.tar.gz https://example.com/b.tar.gz
    ```
    """

    code = "DW231"
    name = "wget-and-curl"
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.INFO
    aliases = ("DL4001",)
    default_enabled = False
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        first: dict[str, ShellCommand] = {}
        for _, command in runs(context, shipped_only=True):
            if command.name in ("wget", "curl") and command.name not in first:
                first[command.name] = command
                other = "curl" if command.name == "wget" else "wget"
                if other in first:
                    line = context.dockerfile.position(first[other].range.start).line
                    yield context.diagnostic(
                        self,
                        command.words[0].range,
                        f"{command.name} is used here and {other} on line {line}: keep one download tool",
                    )
                    return


_NPM_FILLS = frozenset(
    {"install", "i", "add", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall",
     "ci", "clean-install", "ic", "install-clean", "isntall-clean", "update", "up", "upgrade", "install-test",
     "it", "install-ci-test", "cit"}
)  # fmt: skip


class NpmCacheLeftInLayer(CacheLeftInLayer):
    """`npm ci` or `npm install` in the shipped image without `npm cache clean --force` in the same RUN.

    Also satisfied by a cache or tmpfs mount on the npm cache (`/root/.npm`, or where `npm_config_cache`
    points) or an `rm -rf` of it.

    ## Why is this bad?
    npm keeps a copy of every tarball it downloads in `~/.npm/_cacache`, about as large as
    `node_modules` itself. In the image that copy is never used again.

    ## Example
    ```dockerfile
    RUN npm ci --omit=dev
    ```

    ## Use instead
    ```dockerfile
    RUN npm ci --omit=dev && npm cache clean --force
    # or keep the cache for faster rebuilds, out of the image:
    RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev
    ```
    """

    code = "DW240"
    name = "npm-cache-left-in-layer"
    cache_paths = (".npm",)
    cache_variables = (("npm_config_cache", ""), ("NPM_CONFIG_CACHE", ""))
    mount_targets = ("/root/.npm",)
    fix_availability = FixAvailability.SOMETIMES

    def fills_cache(self, command: ShellCommand) -> bool:
        return command.name == "npm" and subcommand(command, ()) in _NPM_FILLS

    def cleans(self, command: ShellCommand) -> bool:
        return command.name == "npm" and command.values()[:2] in (["cache", "clean"], ["cache", "clear"])

    def message(self, command: ShellCommand) -> str:
        return "npm keeps its download cache in this layer: npm cache clean --force in the same RUN"


#: Options only Yarn 2+ (berry) knows: its cache may be the installed packages themselves (Plug'n'Play).
_YARN_BERRY_OPTIONS = frozenset(
    {"--immutable", "--immutable-cache", "--check-cache", "--mode", "--inline-builds"}
)


class YarnCacheLeftInLayer(CacheLeftInLayer):
    """`yarn install` (or `yarn add`, `yarn global add`) in the shipped image without `yarn cache clean`.

    Also satisfied by a cache or tmpfs mount on the yarn cache (`.cache/yarn`, or `YARN_CACHE_FOLDER`) or
    an `rm -rf` of it. Yarn 2+ installs (`--immutable`) are not reported: with Plug'n'Play the cache holds
    the installed packages, and cleaning it breaks the application.

    ## Why is this bad?
    Yarn 1 keeps every package it downloads in its global cache (`/usr/local/share/.cache/yarn` as
    root), as large as `node_modules` or larger. In the image that copy is never used again.

    ## Example
    ```dockerfile
    RUN yarn install --frozen-lockfile --production
    ```

    ## Use instead
    ```dockerfile
    RUN yarn install --frozen-lockfile --production && yarn cache clean
    # or keep the cache for faster rebuilds, out of the image:
    RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install --frozen-lockfile --production
    ```
    """

    code = "DW241"
    name = "yarn-cache-left-in-layer"
    aliases = ("DL3060",)
    cache_paths = (".cache/yarn", ".yarn-cache")
    cache_variables = (("YARN_CACHE_FOLDER", ""),)
    mount_targets = ("/usr/local/share/.cache/yarn",)
    fix_availability = FixAvailability.SOMETIMES

    def fills_cache(self, command: ShellCommand) -> bool:
        if command.name != "yarn" or has_option(command, _YARN_BERRY_OPTIONS):
            return False
        values = command.values()
        if not values:
            return True  # a bare `yarn` installs
        words = [value for value in values if not value.startswith("-")]
        return bool(words) and (words[0] in ("install", "add", "upgrade") or words[:2] == ["global", "add"])

    def cleans(self, command: ShellCommand) -> bool:
        return command.name == "yarn" and command.values()[:2] == ["cache", "clean"]

    def message(self, command: ShellCommand) -> str:
        return "yarn keeps its download cache in this layer: yarn cache clean in the same RUN"


class PnpmStoreLeftInLayer(CacheLeftInLayer):
    """`pnpm install` or `pnpm fetch` in the shipped image with the pnpm store left in the layer.

    Satisfied by `pnpm store prune` after the install, a cache mount on the store (`/pnpm/store`,
    `~/.local/share/pnpm/store`) or an `rm -rf` of it.

    ## Why is this bad?
    pnpm links `node_modules` to its content-addressable store, but the store keeps every package it
    fetched: after `pnpm fetch` or `pnpm install --prod` that includes all the development dependencies
    the image never uses, plus pnpm's metadata cache.

    ## Example
    ```dockerfile
    RUN pnpm install --prod --frozen-lockfile
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=cache,id=pnpm,target=/pnpm/store pnpm install --prod --frozen-lockfile
    ```
    """

    code = "DW242"
    name = "pnpm-store-left-in-layer"
    severity = Severity.INFO  # hard links share most of the store with node_modules
    cache_paths = ("pnpm/store", ".pnpm-store")
    cache_variables = (("npm_config_store_dir", ""), ("PNPM_HOME", "/store"))
    mount_targets = ("/root/.local/share/pnpm/store",)
    fix_availability = FixAvailability.SOMETIMES

    def fills_cache(self, command: ShellCommand) -> bool:
        return command.name == "pnpm" and subcommand(command, ()) in (
            "install",
            "i",
            "add",
            "fetch",
            "update",
            "up",
        )

    def cleans(self, command: ShellCommand) -> bool:
        return command.name == "pnpm" and command.values()[:2] == ["store", "prune"]

    def message(self, command: ShellCommand) -> str:
        return (
            "pnpm leaves its package store in this layer: use a cache mount on the store or pnpm store prune"
        )


def _is_gem_install(command: ShellCommand) -> bool:
    return command.name == "gem" and subcommand(command, ()) in ("install", "i", "update")


class GemInstallWithDocs(DockerfileRule):
    """`gem install` in the shipped image without `--no-document`.

    Not reported on the official `ruby` images, whose `gemrc` already turns documentation off, nor after a
    RUN that writes `--no-document` into a `gemrc`.

    ## Why is this bad?
    RubyGems generates ri documentation for every gem it installs: megabytes of files and minutes of build
    time for documentation nobody reads in a container.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN gem install bundler -v 2.6.2
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN gem install --no-document bundler -v 2.6.2
    ```
    """

    code = "DW243"
    name = "gem-install-with-docs"
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.WARNING

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        stages = context.shipped_stages()
        base = stages[-1].base if stages else None
        if base is not None and base.repository.rsplit("/", 1)[-1] == "ruby":
            return  # the official image's /usr/local/etc/gemrc says --no-document
        for run, command in runs(context, shipped_only=True):
            if "gemrc" in _text(context, run) and "--no-document" in _text(context, run):
                return
            if not _is_gem_install(command) or has_option(command, ("--no-document", "--no-rdoc"), "N"):
                continue
            yield context.diagnostic(
                self, command.range, "gem install also generates documentation: add --no-document"
            )


class GemCacheLeftInLayer(CacheLeftInLayer):
    """`gem install` or `bundle install` in the shipped image with the downloaded `.gem` files left behind.

    Satisfied by an `rm -rf` of the gem cache in the same RUN (`/usr/local/bundle/cache`,
    `"$GEM_HOME"/cache`, `"${BUNDLE_PATH}"/ruby/*/cache`) or a cache mount on it.

    ## Why is this bad?
    RubyGems keeps every downloaded `.gem` archive in the `cache` folder of the gem directory after
    unpacking it: a second, compressed copy of every gem in the image.

    ## Example
    ```dockerfile
    RUN bundle install
    ```

    ## Use instead
    ```dockerfile
    RUN bundle install && rm -rf /usr/local/bundle/cache "${BUNDLE_PATH}"/ruby/*/cache
    ```
    """

    code = "DW244"
    name = "gem-cache-left-in-layer"
    cache_paths = ("bundle/cache", "gems/cache", "/usr/local/bundle/cache")

    def fills_cache(self, command: ShellCommand) -> bool:
        return _is_gem_install(command) or (command.name == "bundle" and subcommand(command, ()) == "install")

    def cleans(self, command: ShellCommand) -> bool:
        # `rm -rf "$GEM_HOME/cache"`, `"${BUNDLE_PATH}"/ruby/*/cache`: the gem directory is a variable.
        return command.name == "rm" and any(
            re.search(r"(GEM|BUNDLE|gem|bundle)[^/]*/(.*/)?cache\b", word.text) for word in command.arguments
        )

    def message(self, command: ShellCommand) -> str:
        return f"{command.name} install keeps the downloaded .gem files in this layer: remove the gem cache"


_COMPOSER_FILLS = frozenset(
    {"install", "i", "update", "u", "upgrade", "require", "r", "create-project", "global"}
)


class ComposerCacheLeftInLayer(CacheLeftInLayer):
    """`composer install` (or `require`, `update`) in the shipped image with Composer's cache left behind.

    Satisfied by `composer clear-cache` in the same RUN, `--no-cache`, `COMPOSER_CACHE_DIR=/dev/null`, a
    cache mount on the cache directory, or an `rm -rf` of it.

    ## Why is this bad?
    Composer keeps a zip of every package it downloads in its cache (`~/.composer/cache`, or
    `$COMPOSER_HOME/cache`): a second copy of `vendor/` the image never uses.

    ## Example
    ```dockerfile
    RUN composer install --no-dev --optimize-autoloader
    ```

    ## Use instead
    ```dockerfile
    RUN composer install --no-dev --optimize-autoloader --no-cache
    ```
    """

    code = "DW245"
    name = "composer-cache-left-in-layer"
    cache_paths = (".composer/cache", ".cache/composer", "/tmp/cache")
    cache_variables = (("COMPOSER_CACHE_DIR", ""), ("COMPOSER_HOME", "/cache"))

    def fills_cache(self, command: ShellCommand) -> bool:
        return command.name in ("composer", "composer.phar") and subcommand(command, ()) in _COMPOSER_FILLS

    def keeps_no_cache(self, context: DockerfileContext, run: Instruction, command: ShellCommand) -> bool:
        cache_dir = environment(context, run, command).get("COMPOSER_CACHE_DIR")
        return "--no-cache" in command.values() or cache_dir == "/dev/null"

    def cleans(self, command: ShellCommand) -> bool:
        return command.name in ("composer", "composer.phar") and subcommand(command, ()) in (
            "clear-cache",
            "clearcache",
            "cc",
        )

    def message(self, command: ShellCommand) -> str:
        return "composer keeps its download cache in this layer: add --no-cache or run composer clear-cache"


_GO_FILLS = frozenset({"build", "install", "test", "run", "get", "vet"})


class GoCacheLeftInLayer(CacheLeftInLayer):
    """`go build`, `go install` or `go mod download` in the shipped image, with Go's caches left behind.

    Satisfied by `go clean -cache -modcache` in the same RUN, cache mounts on the module cache
    (`/go/pkg/mod`, `$GOMODCACHE`) and the build cache (`/root/.cache/go-build`, `$GOCACHE`), or an
    `rm -rf` of them. Usually the better fix is a builder stage: only the binary needs to ship.

    ## Why is this bad?
    The module cache holds the source of every dependency and the build cache every compiled package:
    hundreds of megabytes, often more than the rest of the image, that the binary never reads.

    ## Example
    ```dockerfile
    FROM golang:1.24
    WORKDIR /src
    COPY . .
    RUN go build -o /usr/local/bin/app .
    CMD ["app"]
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.24 AS build
    WORKDIR /src
    COPY . .
    RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
        CGO_ENABLED=0 go build -o /out/app .
    FROM gcr.io/distroless/static-debian12
    COPY --from=build /out/app /app
    CMD ["/app"]
    ```
    """

    code = "DW246"
    name = "go-cache-left-in-layer"
    cache_paths = ("/go/pkg/mod", "go/pkg/mod", ".cache/go-build")
    cache_variables = (("GOMODCACHE", ""), ("GOCACHE", ""), ("GOPATH", "/pkg/mod"))
    mount_targets = ("/go/pkg/mod", "/root/.cache/go-build")
    base_images = ("golang",)
    shares_with_later_runs = True
    fix_availability = FixAvailability.SOMETIMES

    def fills_cache(self, command: ShellCommand) -> bool:
        if command.name != "go":
            return False
        words = [value for value in command.values() if not value.startswith("-")]
        return bool(words) and (words[0] in _GO_FILLS or words[:2] in (["mod", "download"], ["mod", "tidy"]))

    def cleans(self, command: ShellCommand) -> bool:
        flags = {"-cache", "-modcache", "--cache", "--modcache"}
        return (
            command.name == "go"
            and subcommand(command, ()) == "clean"
            and bool(flags & set(command.values()))
        )

    def message(self, command: ShellCommand) -> str:
        return (
            "go leaves its module and build caches in this layer: build in a builder stage, or use cache "
            "mounts on /go/pkg/mod and /root/.cache/go-build"
        )


_CARGO_FILLS = frozenset(
    {"build", "b", "install", "fetch", "run", "r", "test", "t", "check", "c", "update", "generate-lockfile",
     "vendor", "chef"}
)  # fmt: skip


class CargoRegistryLeftInLayer(CacheLeftInLayer):
    """`cargo build` or `cargo install` in the shipped image, with Cargo's registry left behind.

    Satisfied by cache mounts on `$CARGO_HOME/registry` and `$CARGO_HOME/git` (`/usr/local/cargo/…` in
    the official image, `~/.cargo/…` elsewhere) or an `rm -rf` of them in the same RUN.

    ## Why is this bad?
    Cargo keeps the downloaded crate archives and their unpacked sources in its registry, and git
    dependencies in full clones: hundreds of megabytes the compiled binary never reads. After `cargo build`
    the `target/` directory is larger still, which a builder stage also leaves behind.

    ## Example
    ```dockerfile
    FROM rust:1.85
    RUN cargo install ripgrep --locked
    ```

    ## Use instead
    ```dockerfile
    FROM rust:1.85
    RUN --mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/usr/local/cargo/git \\
        cargo install ripgrep --locked
    ```
    """

    code = "DW247"
    name = "cargo-registry-left-in-layer"
    cache_paths = ("/usr/local/cargo/registry", "/usr/local/cargo/git", ".cargo/registry", ".cargo/git")
    cache_variables = (("CARGO_HOME", "/registry"), ("CARGO_HOME", "/git"))
    mount_targets = ("/usr/local/cargo/registry", "/usr/local/cargo/git")
    base_images = ("rust",)
    shares_with_later_runs = True
    fix_availability = FixAvailability.SOMETIMES

    def fills_cache(self, command: ShellCommand) -> bool:
        return command.name == "cargo" and subcommand(command, ()) in _CARGO_FILLS

    def cleans(self, command: ShellCommand) -> bool:
        return command.name == "cargo" and subcommand(command, ()) == "cache"  # the cargo-cache plugin

    def message(self, command: ShellCommand) -> str:
        return "cargo leaves its registry of crates in this layer: use cache mounts or a builder stage"


_UV_FILLS = (["sync"], ["add"], ["run"], ["pip", "install"], ["pip", "sync"], ["tool", "install"])


class UvCacheLeftInLayer(CacheLeftInLayer):
    """`uv sync` or `uv pip install` in the shipped image, with uv's cache left behind.

    Satisfied by `--no-cache`, `UV_NO_CACHE=1`, `uv cache clean` in the same RUN, a cache mount on the
    cache (`/root/.cache/uv`, `$UV_CACHE_DIR`) or an `rm -rf` of it.

    ## Why is this bad?
    uv keeps every wheel it downloads or builds in `~/.cache/uv`. In the image that cache is never used
    again, and can be as large as the environment it installed.

    ## Example
    ```dockerfile
    RUN uv sync --locked --no-dev
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev
    # or
    RUN uv sync --locked --no-dev --no-cache
    ```
    """

    code = "DW248"
    name = "uv-cache-left-in-layer"
    cache_paths = (".cache/uv",)
    cache_variables = (("UV_CACHE_DIR", ""),)
    mount_targets = ("/root/.cache/uv",)
    fix_availability = FixAvailability.SOMETIMES

    def fills_cache(self, command: ShellCommand) -> bool:
        words = [value for value in command.values() if not value.startswith("-")]
        return command.name == "uv" and any(words[: len(action)] == action for action in _UV_FILLS)

    def keeps_no_cache(self, context: DockerfileContext, run: Instruction, command: ShellCommand) -> bool:
        no_cache = environment(context, run, command).get("UV_NO_CACHE", "").lower()
        return has_option(command, ("--no-cache",), "n") or no_cache in ("1", "true", "yes", "on")

    def cleans(self, command: ShellCommand) -> bool:
        return command.name == "uv" and command.values()[:2] in (["cache", "clean"], ["cache", "prune"])

    def message(self, command: ShellCommand) -> str:
        return "uv keeps its cache in this layer: add --no-cache or use a cache mount on /root/.cache/uv"
