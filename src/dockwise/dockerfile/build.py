"""The semantic model of a Dockerfile: stages, ARG/ENV scopes, variable expansion and the stage graph.

Rules ask questions such as "which stages end up in the image?", "what does this `COPY --from` refer
to?" or "what is `$APP_HOME` at this WORKDIR?". BuildKit answers them with its own scoping rules (global
ARGs are visible only in FROM lines until redeclared; ENV beats ARG; a stage `FROM` another inherits its
variables), which this module reproduces on top of the lossless tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from dockwise.diagnostics import TextRange
from dockwise.dockerfile.flags import FlagProblem
from dockwise.dockerfile.imageref import ImageReference, InvalidImageReference, parse_image_reference
from dockwise.dockerfile.lexer import ExpansionError, Lexer
from dockwise.record import Record

if TYPE_CHECKING:
    from dockwise.dockerfile.tree import Dockerfile, Instruction

#: Platform ARGs BuildKit defines automatically (usable in FROM; inside a stage after `ARG NAME`).
AUTOMATIC_PLATFORM_ARGS = (
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
)  # fmt: skip
#: Proxy ARGs BuildKit predefines (left out of the image history).
PREDEFINED_PROXY_ARGS = frozenset(
    name
    for base in ("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY")
    for name in (base, base.lower())
)
_STAGE_NAME = re.compile(r"[a-z][a-z0-9\-_.]*")
_NOTHING: frozenset[str] = frozenset()
#: The instructions that can use another stage: COPY --from and RUN --mount=from=.
_REFERRING = frozenset({"COPY", "RUN"})


class BuildProblem(Record):
    """Something BuildKit would refuse or misread while building (not a parse error)."""

    __slots__ = ("instruction", "message")
    message: str
    instruction: Instruction

    def __init__(self, message: str, instruction: Instruction) -> None:
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "instruction", instruction)


class StageReference(Record):
    """An edge of the stage graph: `instruction` in `stage` uses stage `target` (FROM, COPY --from, mount)."""

    __slots__ = ("instruction", "kind", "target")
    kind: str
    """"from", "copy" or "mount"."""
    instruction: Instruction
    target: Stage

    def __init__(self, kind: str, instruction: Instruction, target: Stage) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "instruction", instruction)
        object.__setattr__(self, "target", target)


class Stage:
    """One build stage: its FROM line, its base, and the instructions after it up to the next FROM.

    Compared by identity: a stage is a node of the stage graph.
    """

    __slots__ = (
        "base",
        "base_expanded",
        "base_name",
        "base_stage",
        "from_instruction",
        "index",
        "instructions",
        "name",
        "platform",
    )
    index: int
    name: str | None
    """As written after AS (BuildKit compares stage names case-insensitively)."""
    from_instruction: Instruction
    base_name: str
    """The base as written, e.g. "python:${PY}-slim"."""
    base_expanded: str
    """The base after expanding global ARGs (their defaults, or given build args)."""
    base: ImageReference | None
    """The parsed image reference; None when the base is another stage or cannot be parsed."""
    base_stage: Stage | None
    platform: str | None
    instructions: tuple[Instruction, ...]
    """The instructions of the stage after its FROM."""

    def __init__(
        self,
        index: int,
        name: str | None,
        from_instruction: Instruction,
        base_name: str,
        base_expanded: str,
        base: ImageReference | None,
        base_stage: Stage | None,
        platform: str | None,
        instructions: tuple[Instruction, ...],
    ) -> None:
        self.index = index
        self.name = name
        self.from_instruction = from_instruction
        self.base_name = base_name
        self.base_expanded = base_expanded
        self.base = base
        self.base_stage = base_stage
        self.platform = platform
        self.instructions = instructions

    @property
    def is_fragment(self) -> bool:
        """The stage of a file without FROM: its base and the instructions before these are unknown, so
        rules that conclude from what a stage lacks (no USER, no label) say nothing about it."""
        return self.from_instruction.index < 0

    @property
    def is_scratch(self) -> bool:
        return self.base_stage is None and self.base_expanded == "scratch"

    def lineage(self) -> list[Stage]:
        """This stage, the stage it is built FROM, and so on back to the one built from an image."""
        chain: list[Stage] = []
        stage: Stage | None = self
        while stage is not None:
            chain.append(stage)
            stage = stage.base_stage
        return chain

    def matches(self, reference: str) -> bool:
        """Whether `--from=reference` means this stage (by name, case-insensitively, or by index)."""
        return (self.name is not None and self.name.lower() == reference.lower()) or reference == str(
            self.index
        )

    def __repr__(self) -> str:
        return f"<Stage {self.index} {self.name or ''} FROM {self.base_name}>"


class _StageScope:
    """Variables visible before each instruction of a stage."""

    __slots__ = ("args", "at_end", "before")

    def __init__(self) -> None:
        self.before: dict[int, dict[str, str]] = {}
        self.at_end: dict[str, str] = {}
        self.args: dict[str, str] = {}


class Build:
    """Stages, scopes and the stage graph of a Dockerfile, for given build args and target platform."""

    def __init__(
        self,
        dockerfile: Dockerfile,
        build_args: Mapping[str, str] | None = None,
        platform: str = "linux/amd64",
    ) -> None:
        self.dockerfile = dockerfile
        """The Dockerfile modelled. It caches this Build, a reference cycle: `Dockerfile.forget_build`
        breaks it where a parse tree's life ends (a lint), so that the tree is freed without the collector."""
        self._instructions = dockerfile.instructions
        self.build_args = dict(build_args or {})
        self.platform = platform
        self.problems: list[BuildProblem] = []
        self.global_args: dict[str, str | None] = {}
        """ARGs declared before the first FROM, with their expanded defaults (None: no default)."""
        self._scopes: dict[int, _StageScope] = {}
        self._incomplete_args: set[str] = set()
        """Global ARGs without a value, or whose default needs a missing one: to be given as build args."""
        self._lexer = Lexer(dockerfile.escape)
        self._escape = dockerfile.escape
        self._global_env_made: dict[str, str] | None = None
        self._stages_by_reference: dict[str, Stage] | None = None
        self._dependencies: dict[int, tuple[Stage, ...]] | None = None
        self.global_arg_instructions, self.stages = self._read_stages()
        self._stage_by_instruction: dict[int, Stage] = {}
        for stage in self.stages:
            for instruction in (stage.from_instruction, *stage.instructions):
                self._stage_by_instruction[instruction.index] = stage
            self._scope(stage)
        self._references = self._find_references()
        self._report_cycles()

    @property
    def automatic_args(self) -> dict[str, str]:
        """The platform ARGs for the target (and build) platform, e.g. TARGETARCH=amd64."""
        os_name, _, rest = self.platform.partition("/")
        arch, _, variant = rest.partition("/")
        values = {"PLATFORM": self.platform, "OS": os_name, "ARCH": arch, "VARIANT": variant}
        return {prefix + key: value for prefix in ("TARGET", "BUILD") for key, value in values.items()}

    def _global_env(self) -> dict[str, str]:
        """The automatic and global ARGs with a value: made once for all the stages (a file of sixty stages
        asked for it some two hundred times a lint), again only after a global ARG changed. Read only."""
        env = self._global_env_made
        if env is None:
            env = self.automatic_args
            env.update({k: v for k, v in self.global_args.items() if v is not None})
            self._global_env_made = env
        return env

    def _expand(self, text: str, env: Mapping[str, str], instruction: Instruction) -> str:
        return self._expand_tracking(text, env, instruction)[0]

    def _expand_tracking(
        self, text: str, env: Mapping[str, str], instruction: Instruction
    ) -> tuple[str, frozenset[str]]:
        """The expanded text and the variables it needed but that have no value (build args to give)."""
        if "$" not in text and "'" not in text and '"' not in text and self._escape not in text:
            return text, _NOTHING  # nothing to expand or unquote: most ENV and ARG values
        try:
            result = self._lexer.process(text, env)
        except ExpansionError as error:
            if error.required is None:  # `${X:?}` asks for a build argument: not a mistake in the file
                self.problems.append(BuildProblem(f"cannot expand {text!r}: {error}", instruction))
            return text, frozenset({error.required} if error.required else ())
        return result.text, result.unset | (result.used & self._incomplete_args)

    def _read_stages(self) -> tuple[tuple[Instruction, ...], tuple[Stage, ...]]:
        stages: list[Stage] = []
        current: list[Instruction] = []
        globals_: list[Instruction] = []
        pending: tuple[Instruction, str | None, str, str | None] | None = None

        def close() -> None:
            if pending is not None:
                stages.append(self._make_stage(len(stages), *pending, tuple(current), stages))

        instructions = self._instructions
        if is_fragment(self.dockerfile):
            for instruction in instructions:
                for problem in instruction.parsed_flags.problems:
                    self.problems.append(BuildProblem(_flag_message(problem), instruction))
            from dockwise.discovery import is_whole_dockerfile_name

            if is_whole_dockerfile_name(self.dockerfile.path):
                first = next(i for i in instructions if i.keyword != "ARG")
                self.problems.append(BuildProblem(NO_FROM_MESSAGE, first))
            return (), (
                self._make_stage(0, _unknown_from(instructions[0]), None, "", None, instructions, []),
            )
        for instruction in instructions:
            if instruction.flags:
                for problem in instruction.parsed_flags.problems:
                    self.problems.append(BuildProblem(_flag_message(problem), instruction))
            if instruction.keyword == "FROM":
                close()
                current = []
                pending = self._read_from(instruction)
                continue
            if pending is None:
                if instruction.keyword == "ARG":
                    globals_.append(instruction)
                    for name, default in self._arg_pairs(instruction):
                        value = self.build_args.get(name)
                        missing: frozenset[str] = frozenset()
                        if value is None and default is not None:
                            value, missing = self._expand_tracking(default, self._global_env(), instruction)
                        if value is None or missing:
                            self._incomplete_args.add(name)
                        self.global_args[name] = value
                        self._global_env_made = None
                else:
                    self.problems.append(
                        BuildProblem(
                            f"{instruction.keyword} before the first FROM: only ARG may come before FROM",
                            instruction,
                        )
                    )
                continue
            current.append(instruction)
        close()
        return tuple(globals_), tuple(stages)

    def _read_from(self, instruction: Instruction) -> tuple[Instruction, str | None, str, str | None]:
        args = instruction.arguments
        name: str | None = None
        if len(args) == 3 and args[1].lower() == "as":
            name = args[2]
            if not _STAGE_NAME.fullmatch(name.lower()):
                self.problems.append(BuildProblem(f"invalid stage name {name!r}", instruction))
        elif len(args) != 1:
            self.problems.append(
                BuildProblem(
                    "FROM requires either one or three arguments (FROM image [AS name])", instruction
                )
            )
        base = args[0] if args else ""
        platform = instruction.parsed_flags.platform
        return instruction, name, base, platform

    def _make_stage(
        self,
        index: int,
        instruction: Instruction,
        name: str | None,
        base_name: str,
        platform: str | None,
        body: tuple[Instruction, ...],
        earlier: list[Stage],
    ) -> Stage:
        env = self._global_env()
        expanded, missing = self._expand_tracking(base_name, env, instruction)
        if name is not None and any(s.name and s.name.lower() == name.lower() for s in earlier):
            self.problems.append(BuildProblem(f"duplicate stage name {name!r}", instruction))
        base_stage = next(
            (s for s in reversed(earlier) if s.name and s.name.lower() == expanded.lower()), None
        )
        reference: ImageReference | None = None
        # A base that needs a build argument (`FROM ${BASE}`, `FROM docker:${VERSION}-dind` with no default)
        # builds when the argument is given, and so does one whose ARG default makes no valid reference
        # (`FROM busy${SFX}` with `ARG SFX="box:"`, built with `--build-arg SFX=box:1.36`): a warning for the
        # rule catalogue (BuildKit's InvalidDefaultArgInFrom, DW168), not a build error.
        if base_stage is None and expanded not in ("scratch", ""):
            try:
                reference = parse_image_reference(expanded)
            except InvalidImageReference as error:
                if not missing and "$" not in base_name:
                    self.problems.append(
                        BuildProblem(f"invalid base image {expanded!r}: {error}", instruction)
                    )
        return Stage(
            index=index,
            name=name,
            from_instruction=instruction,
            base_name=base_name,
            base_expanded=expanded,
            base=reference,
            base_stage=base_stage,
            platform=self._expand(platform, env, instruction) if platform else None,
            instructions=body,
        )

    def _arg_pairs(self, instruction: Instruction) -> Iterator[tuple[str, str | None]]:
        for word in instruction.arguments:
            name, equals, default = word.partition("=")
            yield name, (default if equals else None)

    # Scopes -----------------------------------------------------------------------------------------

    def _scope(self, stage: Stage) -> _StageScope:
        scope = self._scopes.get(stage.index)
        if scope is not None:
            return scope
        scope = _StageScope()
        env: dict[str, str] = {}
        args: dict[str, str] = {}
        if stage.base_stage is not None:
            parent = self._scope(stage.base_stage)
            env.update(parent.at_end)
            args.update(parent.args)
        env_names: set[str] = set(env) - set(args)
        # One snapshot per change, shared by the instructions until the next ARG or ENV (callers copy what
        # they get): a copy per instruction made a stage of many ENV lines quadratic.
        snapshot = dict(env)
        for instruction in stage.instructions:
            scope.before[instruction.index] = snapshot
            if instruction.keyword == "ARG":
                for name, default in self._arg_pairs(instruction):
                    value = self.build_args.get(name)
                    if value is None and default is not None:
                        value = self._expand(default, env, instruction)
                    if value is None:
                        value = self._global_default(name)
                    if value is None:
                        continue
                    args[name] = value
                    if name not in env_names:
                        env[name] = value
                snapshot = dict(env)
            elif instruction.keyword == "ENV":
                pairs = instruction.arguments
                updates = {}
                for key, raw in zip(pairs[::2], pairs[1::2], strict=False):
                    updates[key] = self._expand(raw, env, instruction)
                env.update(updates)
                env_names.update(updates)
                snapshot = dict(env)
        scope.at_end = env
        scope.args = args
        self._scopes[stage.index] = scope
        return scope

    def _global_default(self, name: str) -> str | None:
        if name in self.global_args:
            return self.global_args[name]
        return self.automatic_args.get(name)

    def stage_of(self, instruction: Instruction) -> Stage | None:
        """The stage an instruction belongs to (None for global ARGs)."""
        return self._stage_by_instruction.get(instruction.index)

    def variables_before(self, instruction: Instruction) -> dict[str, str]:
        """The ARG and ENV values visible to `instruction` (for FROM: the global ARGs)."""
        stage = self.stage_of(instruction)
        if stage is None or instruction.keyword == "FROM":
            return dict(self._global_env())
        return dict(self._scope(stage).before.get(instruction.index, {}))

    def environment(self, stage: Stage) -> dict[str, str]:
        """The variables in force at the end of a stage (ENV and declared ARGs)."""
        return dict(self._scope(stage).at_end)

    def expand(self, instruction: Instruction, text: str) -> str:
        """Expand `text` as BuildKit would in `instruction` (unset variables become empty)."""
        return self._expand(text, self.variables_before(instruction), instruction)

    # Stage graph ------------------------------------------------------------------------------------

    def stage(self, reference: str) -> Stage | None:
        """The stage a `--from`/`--target` value names (by name or index), or None for an image: the first
        stage that `matches` it, looked up in a table made once (a COPY --from each, in files of sixty
        stages)."""
        table = self._stages_by_reference
        if table is None:
            table = {}
            for stage in reversed(self.stages):  # the first stage to match wins: written last
                table[str(stage.index)] = stage
                if stage.name is not None:
                    table[stage.name.lower()] = stage
            self._stages_by_reference = table
        found = table.get(reference.lower())
        return found if found is not None and found.matches(reference) else None

    @property
    def references(self) -> tuple[StageReference, ...]:
        """Every use of one stage by another: FROM <stage>, COPY --from=<stage>, RUN --mount from=<stage>."""
        return self._references

    def _find_references(self) -> tuple[StageReference, ...]:
        found: list[StageReference] = []
        for stage in self.stages:
            if stage.base_stage is not None:
                found.append(StageReference("from", stage.from_instruction, stage.base_stage))
            for instruction in stage.instructions:
                if instruction.flags and instruction.keyword in _REFERRING:
                    found.extend(self._references_of(stage, instruction))
        return tuple(found)

    def _references_of(self, stage: Stage, instruction: Instruction) -> Iterator[StageReference]:
        flags = instruction.parsed_flags
        candidates: list[tuple[str, str]] = []
        if instruction.keyword == "COPY" and flags.from_:
            candidates.append(("copy", flags.from_))
        if instruction.keyword == "RUN":
            candidates.extend(("mount", m.from_) for m in flags.mounts if m.from_)
        for kind, raw in candidates:
            value = self.expand(instruction, raw)
            target = self.stage(value)
            if target is None:
                continue
            if target is stage:
                self.problems.append(
                    BuildProblem(f"circular dependency detected on stage: {_stage_label(stage)}", instruction)
                )
                continue
            yield StageReference(kind, instruction, target)

    def _report_cycles(self) -> None:
        """BuildKit resolves `--from` by name across all stages, so a later stage is fine; a cycle is not."""
        edges: dict[int, list[StageReference]] = {}
        for reference in self._references:
            source = self.stage_of(reference.instruction)
            if source is not None:
                edges.setdefault(source.index, []).append(reference)
        state: dict[int, int] = {}  # 1: on the current path, 2: finished
        for stage in self.stages:
            if stage.index not in state:
                self._visit(stage, edges, state)

    def _visit(self, stage: Stage, edges: Mapping[int, list[StageReference]], state: dict[int, int]) -> None:
        """Depth first from `stage`. A method, not a nested function: a recursive closure is a reference
        cycle that would keep this Build and its Dockerfile alive until the garbage collector runs."""
        state[stage.index] = 1
        for reference in edges.get(stage.index, []):
            target = reference.target
            if state.get(target.index) == 1:
                self.problems.append(
                    BuildProblem(
                        f"circular dependency detected on stage: {_stage_label(target)}",
                        reference.instruction,
                    )
                )
            elif target.index not in state:
                self._visit(target, edges, state)
        state[stage.index] = 2

    def dependencies(self, stage: Stage) -> tuple[Stage, ...]:
        """The stages `stage` uses directly (worked out for every stage at once, on the first call: the
        walk to a target asks it of every stage)."""
        table = self._dependencies
        if table is None:
            seen: dict[int, dict[int, Stage]] = {}
            for reference in self.references:
                user = self.stage_of(reference.instruction)
                if user is not None:
                    seen.setdefault(user.index, {}).setdefault(reference.target.index, reference.target)
            table = {
                index: tuple(sorted(used.values(), key=lambda s: s.index)) for index, used in seen.items()
            }
            self._dependencies = table
        return table.get(stage.index, ())

    def target_stage(self, target: str | None = None) -> Stage | None:
        """The stage `--target` selects (default: the last stage)."""
        if target is None:
            return self.stages[-1] if self.stages else None
        return next((s for s in self.stages if s.name and s.name.lower() == target.lower()), None)

    def stages_for_target(self, target: str | None = None) -> tuple[Stage, ...]:
        """The stages BuildKit builds for `target`, in file order (it skips the others)."""
        final = self.target_stage(target)
        if final is None:
            return ()
        needed: dict[int, Stage] = {}
        pending = [final]
        while pending:
            stage = pending.pop()
            if stage.index in needed:
                continue
            needed[stage.index] = stage
            pending.extend(self.dependencies(stage))
        return tuple(needed[i] for i in sorted(needed))

    def unused_stages(self, target: str | None = None) -> tuple[Stage, ...]:
        """Stages that the target does not need (BuildKit skips building them)."""
        used = {stage.index for stage in self.stages_for_target(target)}
        return tuple(stage for stage in self.stages if stage.index not in used)


NO_FROM_MESSAGE = (
    "no FROM: a Dockerfile starts its first stage with FROM "
    "(linted as the body of a stage on an unknown base)"
)


def is_fragment(dockerfile: Dockerfile) -> bool:
    """A file with instructions but no FROM (a snippet, a template's body): linted as one stage's body."""
    instructions = dockerfile.instructions
    return any(i.keyword != "ARG" for i in instructions) and not any(
        i.keyword == "FROM" for i in instructions
    )


def _unknown_from(first: Instruction) -> Instruction:
    """The FROM a fragment lacks: empty, where its first instruction starts, index -1 (`is_fragment`)."""
    from dockwise.dockerfile.tree import Instruction, OffsetMap

    start = first.source_range.start
    return Instruction(
        keyword="FROM", keyword_as_written="", line="", start_line=first.start_line,
        end_line=first.start_line, start_column=1, end_column=1, source_range=TextRange(start, start),
        flags=(), arguments=(), is_exec_form=False, heredocs=(), onbuild=None, comments=(), index=-1,
        content_end=start, offsets=OffsetMap([0], [start]), keyword_span=(0, 0), flag_spans=(),
        arguments_span=(0, 0),
    )  # fmt: skip


def _stage_label(stage: Stage) -> str:
    return stage.name or str(stage.index)


def _flag_message(problem: FlagProblem) -> str:
    return f"{problem.message} ({problem.flag})"
