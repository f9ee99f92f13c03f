"""The stage graph as BuildKit schedules it: which stages a target builds, which can run at the same time,
and the chain of stages that bounds the build's duration.

BuildKit solves a build as a graph: a stage starts once every stage it uses (FROM <stage>, COPY --from,
RUN --mount from=) is done, stages that do not depend on each other run in parallel, and stages the target
does not need are not built at all. This module reads that off the `Build` (no second model): stages are
put in *waves* (a stage's wave is one more than the latest wave among the stages it uses, so the stages of
one wave never depend on each other and run side by side), and the *critical path* is the chain of
dependent stages with the most work, where work is the number of build steps (RUN, COPY, ADD) unless the
caller gives measured seconds per stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dockwise.dockerfile.build import Build, Stage, StageReference

STEP_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
"""The instructions that do work in a build step (the others only change the image's metadata)."""


@dataclass(frozen=True)
class StageNode:
    stage: Stage
    label: str
    """The stage's name, or `stage-N` when it has none (as BuildKit's progress output names it)."""
    base: str
    """The base: an image reference, or the name of the stage it is built FROM; as written, followed by
    what the build args make of it when that differs (`${BASE} (alpine:3.20)`)."""
    steps: int
    cost: float
    """What the critical path adds up: measured seconds when given, else `steps`."""
    built: bool
    """Whether the target needs it (BuildKit skips the other stages)."""
    wave: int | None
    """1 for stages that use no other stage; None for stages the target does not build."""


@dataclass(frozen=True)
class StageEdge:
    source: StageNode
    """The stage used."""
    target: StageNode
    """The stage that uses it."""
    kind: str
    """"from", "copy" or "mount"."""
    line: int


@dataclass(frozen=True)
class StageGraph:
    nodes: tuple[StageNode, ...]
    edges: tuple[StageEdge, ...]
    target: StageNode | None
    critical_path: tuple[StageNode, ...]
    measured: bool
    """Whether costs are measured seconds (else step counts)."""

    @property
    def waves(self) -> tuple[tuple[StageNode, ...], ...]:
        """The built stages by wave: those of one wave run at the same time."""
        count = max((node.wave or 0 for node in self.nodes), default=0)
        return tuple(tuple(n for n in self.nodes if n.wave == wave) for wave in range(1, count + 1))

    @property
    def left_out(self) -> tuple[StageNode, ...]:
        return tuple(node for node in self.nodes if not node.built)


def stage_graph(
    build: Build, target: str | None = None, seconds: Mapping[str, float] | None = None
) -> StageGraph:
    """The graph of `build` for `target` (default: the last stage). `seconds` maps a stage label to its
    measured duration; stages without a measure then count as zero."""
    built = {stage.index for stage in build.stages_for_target(target)}
    uses: dict[int, list[StageReference]] = {}
    for reference in build.references:
        stage = build.stage_of(reference.instruction)
        if stage is not None:
            uses.setdefault(stage.index, []).append(reference)
    waves: dict[int, int] = {}
    for stage in _dependency_order(build, uses):
        if stage.index in built:
            waves[stage.index] = 1 + max(
                (waves.get(r.target.index, 0) for r in uses.get(stage.index, ())), default=0
            )
    nodes: dict[int, StageNode] = {}
    for stage in build.stages:
        label = stage_label(stage)
        steps = sum(1 for instruction in stage.instructions if instruction.keyword in STEP_KEYWORDS)
        cost = float(seconds.get(label, 0.0)) if seconds is not None else float(steps)
        nodes[stage.index] = StageNode(
            stage, label, _base(stage), steps, cost, stage.index in built, waves.get(stage.index)
        )
    edges = tuple(
        StageEdge(
            nodes[reference.target.index], nodes[index], reference.kind, reference.instruction.start_line
        )
        for index, references in sorted(uses.items())
        for reference in references
    )
    final = build.target_stage(target)
    target_node = nodes[final.index] if final is not None else None
    return StageGraph(
        tuple(nodes[stage.index] for stage in build.stages),
        edges,
        target_node,
        _critical_path(build, uses, nodes, built, final),
        seconds is not None,
    )


def _base(stage: Stage) -> str:
    if stage.base_expanded and stage.base_expanded != stage.base_name:
        return f"{stage.base_name} ({stage.base_expanded})"
    return stage.base_name


def stage_label(stage: Stage) -> str:
    """The stage's name, or `stage-N` (N its 0-based index) as BuildKit's build output calls it."""
    return stage.name or f"stage-{stage.index}"


def _dependency_order(build: Build, uses: Mapping[int, list[StageReference]]) -> list[Stage]:
    """Every stage after the stages it uses (a stage may use a later one by name; cycles are BuildKit
    errors that `Build` reports, and are cut here)."""
    order: list[Stage] = []
    state: dict[int, int] = {}
    for start in build.stages:
        stack: list[tuple[Stage, int]] = [(start, 0)]
        while stack:
            stage, position = stack.pop()
            if position == 0:
                if state.get(stage.index):
                    continue
                state[stage.index] = 1
            references = uses.get(stage.index, [])
            if position < len(references):
                stack.append((stage, position + 1))
                target = references[position].target
                if not state.get(target.index):
                    stack.append((target, 0))
            else:
                state[stage.index] = 2
                order.append(stage)
    return order


def _critical_path(
    build: Build,
    uses: Mapping[int, list[StageReference]],
    nodes: Mapping[int, StageNode],
    built: set[int],
    final: Stage | None,
) -> tuple[StageNode, ...]:
    """The chain of built stages ending at the target, each using the one before, with the largest total
    cost: the build cannot finish sooner than this chain, however many stages run beside it."""
    best: dict[int, tuple[float, tuple[int, ...]]] = {}
    for stage in _dependency_order(build, uses):
        if stage.index not in built:
            continue
        before = max(
            (best[r.target.index] for r in uses.get(stage.index, ()) if r.target.index in best),
            key=lambda entry: entry[0],
            default=(0.0, ()),
        )
        best[stage.index] = (before[0] + nodes[stage.index].cost, (*before[1], stage.index))
    if final is None or final.index not in best:
        return ()
    return tuple(nodes[index] for index in best[final.index][1])
