"""The stage graph as BuildKit schedules it: waves of stages that run together, the critical path, the
stages a target leaves out."""

from __future__ import annotations

from dockwise.dockerfile import parse
from dockwise.dockerfile.stage_graph import StageNode, stage_graph

TWO_BUILDERS = """\
FROM node:22-slim AS web
RUN npm ci
RUN npm run build

FROM golang:1.22 AS api
COPY . .
RUN go mod download
RUN go build -o /out/api .

FROM api AS test
RUN go test ./...

FROM gcr.io/distroless/static-debian12
COPY --from=api /out/api /api
COPY --from=web /web/dist /static
"""


def labels(nodes: tuple[StageNode, ...]) -> list[str]:
    return [node.label for node in nodes]


def test_independent_builders_share_a_wave_and_the_longer_one_is_on_the_critical_path() -> None:
    graph = stage_graph(parse(TWO_BUILDERS).build)
    assert [labels(wave) for wave in graph.waves] == [["web", "api"], ["stage-3"]]
    assert labels(graph.critical_path) == ["api", "stage-3"]  # 3 steps + 2 against web's 2 + 2
    assert sum(node.cost for node in graph.critical_path) == 5
    assert labels(graph.left_out) == ["test"]
    assert [(e.source.label, e.target.label, e.kind, e.line) for e in graph.edges] == [
        ("api", "test", "from", 10),
        ("api", "stage-3", "copy", 14),
        ("web", "stage-3", "copy", 15),
    ]


def test_a_target_builds_only_what_it_needs() -> None:
    graph = stage_graph(parse(TWO_BUILDERS).build, "test")
    assert [labels(wave) for wave in graph.waves] == [["api"], ["test"]]
    assert labels(graph.left_out) == ["web", "stage-3"]
    assert graph.target is not None
    assert graph.target.label == "test"


def test_measured_seconds_decide_the_critical_path() -> None:
    graph = stage_graph(parse(TWO_BUILDERS).build, seconds={"web": 90.0, "api": 10.0, "stage-3": 1.0})
    assert labels(graph.critical_path) == ["web", "stage-3"]
    assert graph.measured


def test_a_stage_used_by_name_before_it_is_written_still_comes_first() -> None:
    text = "FROM alpine:3.20 AS app\nCOPY --from=assets /a /a\n\nFROM alpine:3.20 AS assets\nRUN make\n"
    graph = stage_graph(parse(text).build, "app")
    assert [labels(wave) for wave in graph.waves] == [["assets"], ["app"]]
    assert labels(graph.critical_path) == ["assets", "app"]


def test_run_mount_from_a_stage_is_an_edge() -> None:
    text = "FROM alpine:3.20 AS tools\nRUN make\nFROM alpine:3.20\nRUN --mount=from=tools,target=/t /t/x\n"
    graph = stage_graph(parse(text).build)
    assert [(e.source.label, e.kind) for e in graph.edges] == [("tools", "mount")]
    assert [labels(wave) for wave in graph.waves] == [["tools"], ["stage-1"]]


def test_a_cycle_does_not_hang_the_graph() -> None:
    text = "FROM alpine:3.20 AS a\nCOPY --from=b /x /x\nFROM alpine:3.20 AS b\nCOPY --from=a /y /y\n"
    graph = stage_graph(parse(text).build, "b")
    assert {node.label for node in graph.nodes if node.built} == {"a", "b"}
    assert len(graph.critical_path) >= 1
