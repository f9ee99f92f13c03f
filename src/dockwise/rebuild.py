"""What a change to some files of the build context re-runs: `dockwise changed FILE...`.

BuildKit reuses a step while its inputs are unchanged: a COPY or ADD whose sources' content is the same, a
RUN whose command and parent are the same, a bind mount whose files are the same. Once one step of a stage
runs again, every later step of that stage does too (their parent changed), and so does every stage that
builds FROM it, copies from it or mounts it, from that use on. This module follows those rules on the
`Build`, with `.dockerignore` semantics for what the context holds, and says which of the re-run steps are
costly (dependency installs, system packages, compiles), the ones a cache-friendly order keeps cached.

It answers for the files as given; it does not read their content: a changed file is taken to change
whatever step reads it (BuildKit would reuse a step if the content came back identical).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dockwise.dockerfile.build import Build, Stage
from dockwise.dockerfile.shell import ShellCommand, commands_of
from dockwise.dockerfile.stage_graph import stage_graph, stage_label
from dockwise.dockerfile.tree import Dockerfile, Instruction

STEP_KEYWORDS = frozenset({"RUN", "COPY", "ADD", "WORKDIR"})
"""The instructions BuildKit runs as build steps (the others only change the image config)."""

_SYSTEM_INSTALLS = {
    "apt-get": ("install",), "apt": ("install",), "aptitude": ("install",), "apk": ("add",),
    "yum": ("install",), "dnf": ("install",), "microdnf": ("install",), "zypper": ("install", "in"),
    "tdnf": ("install",),
}  # fmt: skip


DEPENDENCY_MANIFESTS = frozenset({
    "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", ".npmrc",
    "requirements.txt", "requirements-dev.txt", "constraints.txt", "pyproject.toml", "poetry.lock",
    "uv.lock", "Pipfile", "Pipfile.lock", "setup.py", "setup.cfg", "go.mod", "go.sum", "Cargo.toml",
    "Cargo.lock", "pom.xml", "build.gradle", "build.gradle.kts", "settings.gradle", "gradle.lockfile",
    "Gemfile", "Gemfile.lock", "composer.json", "composer.lock", "mix.exs", "mix.lock", "packages.lock.json",
})  # fmt: skip
"""Files whose change is a reason to install dependencies again (`requirements*.txt` counts too)."""


@dataclass(frozen=True)
class Rerun:
    stage: Stage
    instruction: Instruction
    reason: str
    """Why it runs again: the file it reads, or the earlier step or stage it follows."""
    costly: str | None
    """What makes it slow (`npm ci installs Node.js dependencies`), None for a cheap step."""
    avoidable: bool = False
    """A costly install that none of the changed files asks for: no dependency manifest or lock file
    changed, so a step order that copies manifests first would have kept it cached."""


@dataclass(frozen=True)
class RebuildAnswer:
    dockerfile: str
    target: str
    steps: int
    """How many steps the target builds."""
    reruns: tuple[Rerun, ...]
    ignored: tuple[str, ...]
    """Changed files `.dockerignore` leaves out of the context (they change nothing)."""

    @property
    def costly(self) -> tuple[Rerun, ...]:
        return tuple(rerun for rerun in self.reruns if rerun.costly)

    @property
    def avoidable(self) -> tuple[Rerun, ...]:
        return tuple(rerun for rerun in self.reruns if rerun.avoidable)


def reruns_for(
    dockerfile: Dockerfile, context: Path, changed: Iterable[str], target: str | None = None
) -> RebuildAnswer:
    """The steps of `target` (default: the last stage) that run again when the `changed` paths (relative
    to `context`) change."""
    from dockwise.discovery import DockerIgnore

    build = dockerfile.build
    found = DockerIgnore.for_build(
        context, Path(dockerfile.path) if dockerfile.path else context / "Dockerfile"
    )
    ignore = found[1] if found is not None else None
    paths = [posixpath.normpath(path.replace("\\", "/")).lstrip("/") for path in changed]
    ignored = tuple(path for path in paths if ignore is not None and ignore.excludes(path))
    in_context = [path for path in paths if path not in ignored]
    manifest_changed = any(_is_manifest(posixpath.basename(path)) for path in in_context)
    built = build.stages_for_target(target)
    final = build.target_stage(target)
    # wave by wave: every stage after the stages it uses (one may use a later one by name)
    stages_in_order = [node.stage for wave in stage_graph(build, target).waves for node in wave]
    first_rerun: dict[int, int] = {}  # stage index -> position of its first re-run instruction
    reruns: list[Rerun] = []
    for stage in stages_in_order:
        follows: str | None = None
        if stage.base_stage is not None and stage.base_stage.index in first_rerun:
            follows = f"its base stage {stage_label(stage.base_stage)} runs again"
            first_rerun[stage.index] = -1
        for position, instruction in enumerate(stage.instructions):
            if instruction.keyword not in STEP_KEYWORDS:
                continue
            reason = follows or _reads_changed(build, instruction, in_context, first_rerun)
            if reason is None:
                continue
            first_rerun.setdefault(stage.index, position)
            follows = follows or f"follows the re-run step on line {instruction.start_line}"
            costly = _costly(instruction)
            avoidable = costly is not None and costly[0] == "install" and not manifest_changed
            reruns.append(Rerun(stage, instruction, reason, costly[1] if costly else None, avoidable))
    steps = sum(1 for stage in built for i in stage.instructions if i.keyword in STEP_KEYWORDS)
    return RebuildAnswer(
        dockerfile.path or "Dockerfile", stage_label(final) if final else "?", steps, tuple(reruns), ignored
    )


def _reads_changed(
    build: Build, instruction: Instruction, changed: Sequence[str], first_rerun: dict[int, int]
) -> str | None:
    """Why this step's own inputs changed: a changed context file it copies or mounts, or a stage it copies
    from or mounts that runs again; None when they did not."""
    flags = instruction.parsed_flags
    if instruction.keyword in ("COPY", "ADD"):
        if flags.from_:
            source_stage = build.stage(build.expand(instruction, flags.from_))
            if source_stage is not None and source_stage.index in first_rerun:
                return f"copies from stage {stage_label(source_stage)}, which runs again"
            return None
        if instruction.heredocs:
            return None
        for source in instruction.arguments[:-1]:
            expanded = build.expand(instruction, source)
            if "://" in expanded or expanded.startswith("git@"):
                continue
            for path in changed:
                if _covers(expanded, path):
                    return f"copies {path}"
        return None
    if instruction.keyword == "RUN":
        for mount in flags.mounts:
            if mount.type != "bind":
                continue
            if mount.from_:
                source_stage = build.stage(build.expand(instruction, mount.from_))
                if source_stage is not None and source_stage.index in first_rerun:
                    return f"mounts stage {stage_label(source_stage)}, which runs again"
                continue
            source = build.expand(instruction, mount.source or ".")
            for path in changed:
                if _covers(source, path):
                    return f"mounts {path}"
    return None


def _is_manifest(name: str) -> bool:
    return name in DEPENDENCY_MANIFESTS or (name.startswith("requirements") and name.endswith(".txt"))


def _covers(source: str, path: str) -> bool:
    """Whether a COPY source (a file, a directory or a Go-style glob, relative to the context) takes in
    `path`: the path itself, something under it, or a match of the pattern (or of a parent directory)."""
    pattern = posixpath.normpath(source).lstrip("/")
    if pattern in (".", ""):
        return True
    if not any(character in pattern for character in "*?["):
        return path == pattern or path.startswith(pattern + "/")
    from dockwise.discovery import docker_pattern

    regex = docker_pattern(pattern)
    parts = path.split("/")
    return any(regex.fullmatch("/".join(parts[:count])) for count in range(1, len(parts) + 1))


def _costly(instruction: Instruction) -> tuple[str, str] | None:
    """What makes a re-run of this step slow, and its kind: "install" (dependencies or system packages,
    which a good step order keeps cached) or "build" (a compile, which a source change must re-run)."""
    if instruction.keyword != "RUN":
        return None
    from dockwise.rules.dockerfile.multi_stage import build_ecosystem, install_ecosystem

    for command in commands_of(instruction):
        text = _command_text(command)
        if (ecosystem := install_ecosystem(command)) is not None:
            return "install", f"`{text}` installs {ecosystem} dependencies"
        verbs = _SYSTEM_INSTALLS.get(command.name or "")
        if verbs and any(value in verbs for value in command.values()):
            return "install", f"`{text}` installs system packages"
        if (ecosystem := build_ecosystem(command)) is not None:
            return "build", f"`{text}` builds {ecosystem} code"
    return None


def _command_text(command: ShellCommand) -> str:
    words = [word.value if word.value is not None else word.text for word in command.words[:3]]
    return " ".join(words) + (" ..." if len(command.words) > 3 else "")
