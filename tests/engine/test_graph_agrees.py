"""`dockwise graph` against BuildKit: the stages it says a target builds are the ones BuildKit runs.

Each build uses `--no-cache` so that every step of every built stage shows in BuildKit's plain progress
(`[web 2/3] RUN ...`); the stage names there are compared with the graph's built set.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from dockwise.dockerfile import parse
from dockwise.dockerfile.stage_graph import stage_graph
from dockwise.engine.build import parse_steps
from tests.engine.conftest import BaseImages, Engine

pytestmark = pytest.mark.engine

DOCKERFILE = """\
FROM {base} AS web
RUN echo web > /web.txt

FROM {base} AS api
RUN echo api > /api.txt

FROM api AS test
RUN echo test > /test.txt

FROM {base} AS tools
RUN echo tools > /tools.txt

FROM {base} AS final
COPY --from=api /api.txt /api.txt
RUN --mount=from=web,target=/w cp /w/web.txt /web.txt
"""


@pytest.mark.parametrize("target", ["final", "test", "web"])
def test_the_graph_builds_what_buildkit_builds(
    engine: Engine, base_images: BaseImages, tmp_path: Path, target: str
) -> None:
    text = DOCKERFILE.format(base=base_images.busybox)
    (tmp_path / "context").mkdir()
    (tmp_path / "context" / "Dockerfile").write_text(text)
    graph = stage_graph(parse(text).build, target)
    tag = f"dockwise-test/graph:{uuid.uuid4().hex[:12]}"
    try:
        _, output = engine.build(tmp_path / "context", tag, "--target", target, "--no-cache")
    finally:
        engine.remove_image(tag)
    ran = {step.stage.rsplit(" ", 1)[0] for step in parse_steps(output.splitlines()) if " " in step.stage}
    assert ran == {node.label for node in graph.nodes if node.built}
    assert {node.label for node in graph.left_out}.isdisjoint(ran)
