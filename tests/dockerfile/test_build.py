"""The semantic layer: stages, ARG/ENV scoping as BuildKit does it, and the stage graph."""

from __future__ import annotations

from dockwise.dockerfile import Instruction, parse
from dockwise.dockerfile.build import Build

MULTI_STAGE = """\
# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
ARG REGISTRY=ghcr.io/acme
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
ARG TARGETARCH
ENV CGO_ENABLED=0
RUN --mount=type=cache,target=/root/.cache/go-build GOARCH=$TARGETARCH go build -o /out/app .

FROM build AS test
RUN go test ./...

FROM ${REGISTRY}/tools@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS tools

FROM alpine:3.20 AS docs
RUN echo never used

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
RUN --mount=type=bind,from=tools,source=/bin/tool,target=/tool /tool --version
USER 65532:65532
ENTRYPOINT ["/app"]
"""


def instruction(build: Build, keyword: str, nth: int = 0) -> Instruction:
    return [i for i in build.dockerfile.instructions if i.keyword == keyword][nth]


def test_stages_have_names_indexes_and_parsed_bases() -> None:
    build = parse(MULTI_STAGE).build
    assert [(s.index, s.name) for s in build.stages] == [
        (0, "build"),
        (1, "test"),
        (2, "tools"),
        (3, "docs"),
        (4, None),
    ]
    golang = build.stages[0]
    assert golang.base_name == "golang:${GO_VERSION}-bookworm"
    assert golang.base_expanded == "golang:1.22-bookworm"
    assert golang.base is not None
    assert (golang.base.registry, golang.base.repository, golang.base.tag) == (
        "docker.io",
        "library/golang",
        "1.22-bookworm",
    )
    assert golang.platform == "linux/amd64"
    assert build.stages[1].base_stage is golang
    assert build.stages[1].base is None
    tools = build.stages[2].base
    assert tools is not None
    assert (tools.registry, tools.repository, tools.tag) == ("ghcr.io", "acme/tools", None)
    assert tools.digest == "sha256:" + "0123456789abcdef" * 4
    final = build.stages[4]
    assert final.base is not None
    assert (final.base.registry, final.base.tag) == ("gcr.io", "nonroot")
    assert not build.problems


def test_build_args_override_global_defaults() -> None:
    dockerfile = parse(MULTI_STAGE)
    build = Build(dockerfile, build_args={"GO_VERSION": "1.23"}, platform="linux/arm64/v8")
    assert build.stages[0].base_expanded == "golang:1.23-bookworm"
    run = instruction(build, "RUN")
    assert build.variables_before(run)["TARGETARCH"] == "arm64"
    assert build.automatic_args["TARGETVARIANT"] == "v8"


def test_global_args_are_visible_only_in_from_until_redeclared() -> None:
    build = parse("ARG V=1\nARG W=2\nFROM alpine\nRUN echo $V\nARG W\nRUN echo $W\n").build
    first, second = (i for i in build.dockerfile.instructions if i.keyword == "RUN")
    assert "V" not in build.variables_before(first)
    assert build.variables_before(second)["W"] == "2"
    assert build.global_args == {"V": "1", "W": "2"}


def test_env_overrides_arg_and_reads_values_from_before_the_instruction() -> None:
    text = "FROM alpine\nARG MODE=debug\nENV MODE=release\nENV A=1\nENV A=2 B=$A\nARG MODE=other\nRUN x\n"
    build = parse(text).build
    scope = build.variables_before(instruction(build, "RUN"))
    assert scope["MODE"] == "release"
    assert (scope["A"], scope["B"]) == ("2", "1")


def test_a_stage_inherits_the_environment_of_its_base_stage() -> None:
    build = parse("FROM alpine AS base\nENV APP_HOME=/srv/app\nFROM base\nWORKDIR $APP_HOME/data\n").build
    workdir = instruction(build, "WORKDIR")
    assert build.expand(workdir, workdir.arguments[0]) == "/srv/app/data"
    assert build.environment(build.stages[1])["APP_HOME"] == "/srv/app"


def test_stage_graph_and_target_reachability() -> None:
    build = parse(MULTI_STAGE).build
    kinds = sorted((r.kind, r.target.name) for r in build.references)
    assert kinds == [("copy", "build"), ("from", "build"), ("mount", "tools")]
    assert [s.name for s in build.stages_for_target()] == ["build", "tools", None]
    assert [s.name for s in build.stages_for_target("test")] == ["build", "test"]
    assert [s.name for s in build.unused_stages()] == ["test", "docs"]
    assert build.target_stage("DOCS") is build.stages[3]
    assert build.stage("0") is build.stages[0]


def test_a_stage_is_found_by_name_in_any_case_or_by_its_exact_index_the_first_one_winning() -> None:
    build = parse("FROM alpine AS Build\nFROM alpine AS build\nFROM alpine AS 0x\nFROM build\n").build
    first, second, third, fourth = build.stages
    assert build.stage("BUILD") is first  # a duplicate name (a build error) means the first stage
    assert build.stage("1") is second
    assert build.stage("0X") is third
    assert build.stage("01") is None  # an index is written as BuildKit counts: no leading zero
    assert build.stage("3") is fourth
    assert build.stage("4") is None
    assert build.stage("alpine") is None
    assert build.dependencies(fourth) == (second,)  # FROM takes the nearest stage of that name
    assert build.dependencies(first) == ()


def test_copy_from_an_image_is_not_a_stage_reference() -> None:
    build = parse("FROM alpine AS a\nFROM alpine\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\n").build
    assert build.references == ()
    assert [s.name for s in build.stages_for_target()] == [None]


def test_build_problems_are_collected_not_raised() -> None:
    text = (
        "RUN echo too early\n"
        "FROM alpine AS Dup\n"
        "FROM alpine AS dup\n"
        "FROM alpine as\n"
        "FROM alpine AS bad/name\n"
        "COPY --from=later /x /y\n"
        "RUN --netwrk=host echo\n"
        "FROM alpine AS later\n"
    )
    messages = [problem.message for problem in parse(text).build.problems]
    assert "RUN before the first FROM: only ARG may come before FROM" in messages
    assert "duplicate stage name 'dup'" in messages
    assert "FROM requires either one or three arguments (FROM image [AS name])" in messages
    assert "invalid stage name 'bad/name'" in messages
    assert "unknown flag: netwrk (--netwrk=host)" in messages
    assert not any("later" in message for message in messages), "a stage defined further down is fine"


def test_copy_from_a_later_stage_is_an_edge_but_a_cycle_is_a_problem() -> None:
    forward = parse("FROM alpine AS a\nCOPY --from=b /x /y\nFROM alpine AS b\nRUN x\n").build
    assert forward.problems == []
    assert [s.name for s in forward.stages_for_target("a")] == ["a", "b"]
    cycle = parse("FROM alpine AS a\nCOPY --from=b /x /y\nFROM alpine AS b\nCOPY --from=0 /y /z\n").build
    assert [p.message for p in cycle.problems] == ["circular dependency detected on stage: a"]
    itself = parse("FROM alpine AS a\nRUN --mount=from=a,target=/m ls\n").build
    assert [p.message for p in itself.problems] == ["circular dependency detected on stage: a"]


def test_a_base_incomplete_without_build_arguments_is_not_a_build_error() -> None:
    text = (
        "ARG DOCKER_VERSION\nARG PROJECT\nARG IMAGE=gcr.io/${PROJECT}/mvn:3\n"
        "FROM docker:${DOCKER_VERSION}-dind AS dind\nFROM ${IMAGE}\nFROM REPLACE-ME\n"
    )
    build = parse(text).build
    assert [p.message for p in build.problems] == [
        "invalid base image 'REPLACE-ME': repository name must be lowercase (not 'REPLACE-ME')"
    ]
    given = Build(build.dockerfile, build_args={"DOCKER_VERSION": "27.3", "PROJECT": "acme"})
    assert given.stages[0].base is not None
    assert given.stages[0].base.tag == "27.3-dind"
    assert given.stages[1].base_expanded == "gcr.io/acme/mvn:3"


def test_a_base_that_needs_a_build_argument_is_not_a_build_error() -> None:
    build = parse("ARG BASE\nFROM ${BASE}\nARG V=${REQUIRED:?required}\nRUN x\n").build
    assert build.problems == []
    assert build.stages[0].base is None
    assert build.stages[0].base_expanded == ""
    given = Build(build.dockerfile, build_args={"BASE": "alpine:3.20"})
    assert given.stages[0].base is not None
    assert given.stages[0].base.tag == "3.20"


def test_scratch_has_no_image_reference() -> None:
    build = parse("FROM scratch\nCOPY app /\n").build
    assert build.stages[0].is_scratch
    assert build.stages[0].base is None
    assert not build.problems


def test_stage_of_and_variables_before_from() -> None:
    build = parse(MULTI_STAGE).build
    copy = instruction(build, "COPY")
    stage = build.stage_of(copy)
    assert stage is not None
    assert stage.index == 4
    assert build.variables_before(build.stages[0].from_instruction)["REGISTRY"] == "ghcr.io/acme"
    assert build.stage_of(build.global_arg_instructions[0]) is None


def test_lineage_follows_from_stage_back_to_the_image() -> None:
    build = parse("FROM alpine:3.20 AS a\nFROM a AS b\nFROM golang:1.22 AS c\nFROM b\n").build
    assert [s.name for s in build.stages[3].lineage()] == [None, "b", "a"]
    assert [s.name for s in build.stages[2].lineage()] == ["c"]
