"""`dockwise changed` against BuildKit's cache: build, change a file, build again, and compare the steps
that did not come from the cache with the steps dockwise said would re-run.

Every step's output depends on its inputs (files are `cat` into the next), so a step that re-runs also
changes what later stages copy: BuildKit would otherwise reuse a COPY --from whose content came back
identical, which dockwise, reading no file content, cannot know.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from dockwise.dockerfile import parse
from dockwise.dockerfile.stage_graph import stage_label
from dockwise.engine.build import parse_steps
from dockwise.rebuild import reruns_for
from tests.engine.conftest import BaseImages, Engine

pytestmark = pytest.mark.engine

DOCKERFILE = """\
FROM {base} AS deps
WORKDIR /app
COPY deps.txt ./
RUN cat deps.txt > installed.txt
COPY src/ ./src/
RUN cat installed.txt src/*.c > build.out

FROM {base} AS tools
RUN --mount=type=bind,source=scripts,target=/s cat /s/tool.sh > /tool.txt

FROM {base}
COPY --from=deps /app/build.out /build.out
COPY --from=tools /tool.txt /tool.txt
COPY config.ini /etc/app.ini
"""

FILES = {
    "deps.txt": "libfoo 1.0\n",
    "src/main.c": "int main(void) { return 0; }\n",
    "scripts/tool.sh": "echo tool\n",
    "config.ini": "[app]\n",
    "README.md": "# app\n",
    ".dockerignore": "*.md\n",
}


@pytest.mark.parametrize("changed", ["deps.txt", "src/main.c", "scripts/tool.sh", "config.ini", "README.md"])
def test_dockwise_names_the_steps_buildkit_runs_again(
    engine: Engine, base_images: BaseImages, tmp_path: Path, changed: str
) -> None:
    context = tmp_path / "context"
    run = uuid.uuid4().hex  # BuildKit's cache outlives the test: content of this run only, so nothing hits it
    for name, text in FILES.items():
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        (context / name).write_text(text if name == ".dockerignore" else f"{text}# {run}\n")
    text = DOCKERFILE.format(base=base_images.busybox)
    (context / "Dockerfile").write_text(text)
    dockerfile = parse(text, str(context / "Dockerfile"))
    tag = f"dockwise-test/changed:{uuid.uuid4().hex[:12]}"
    try:
        engine.build(context, tag)
        (context / changed).write_text((context / changed).read_text() + f"# changed in {run}\n")
        _, output = engine.build(context, tag)
    finally:
        engine.remove_image(tag)
    ran = {
        (step.stage.rsplit(" ", 1)[0], " ".join(step.instruction.split()))
        for step in parse_steps(output.splitlines())
        if not step.cached and not step.instruction.startswith("FROM")
    }
    predicted = {
        (stage_label(rerun.stage), " ".join(rerun.instruction.line.split()))
        for rerun in reruns_for(dockerfile, context, [changed]).reruns
    }
    assert predicted == ran
    if changed == "README.md":
        assert ran == set()
