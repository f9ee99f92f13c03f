"""The engine test infrastructure works: BuildKit builds from local base images, containers run."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from tests.engine.conftest import BaseImages, Engine

pytestmark = pytest.mark.engine

MESSAGE = "built by BuildKit with a cache mount"

# No `# syntax=` line: there is no registry to fetch a Dockerfile frontend from, so this relies on the
# engine's built-in frontend (RUN --mount has been stable there since Docker 20.10).
DOCKERFILE = """\
FROM {base} AS build
RUN --mount=type=cache,target=/cache \\
    echo "{message}" > /cache/message.txt && cp /cache/message.txt /out.txt
FROM {base}
COPY --from=build /out.txt /out.txt
CMD ["cat", "/out.txt"]
"""


def test_buildkit_multi_stage_build_with_cache_mount_runs(
    engine: Engine, base_images: BaseImages, tmp_path: Path
) -> None:
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(
        DOCKERFILE.format(base=base_images.busybox, message=MESSAGE), encoding="utf-8"
    )
    tag = f"dockwise-test/smoke:{uuid.uuid4().hex[:12]}"
    image_id = ""
    try:
        image_id, output = engine.build(context, tag)
        # BuildKit's plain progress, never the classic builder's "Step 1/5 : FROM ..."
        assert re.search(r"^#\d+ \[internal\] load build definition", output, re.MULTILINE), output
        assert re.search(r"naming to \S*dockwise-test/smoke:", output), output
        assert "Step 1/" not in output, output

        image = engine.client.images.get(image_id)
        assert tag in image.tags
        assert image.labels.get("dockwise.test") == "1"

        status, stdout = engine.run(image_id)
        assert (status, stdout) == (0, MESSAGE + "\n")
    finally:
        if image_id:
            engine.remove_image(image_id)
        else:
            engine.remove_image(tag)


def test_debian_base_image_is_bookworm(engine: Engine, debian_image: str) -> None:
    status, stdout = engine.run(debian_image, ["cat", "/etc/debian_version"])
    assert status == 0
    assert stdout.startswith("12"), stdout
