"""A real image built and saved by the engine: the index and the wasted bytes are exact."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from dockwise.engine.images import read_engine_image
from dockwise.image.archive import read_docker_archive
from dockwise.image.report import image_findings
from tests.engine.conftest import BaseImages, Engine

pytestmark = pytest.mark.engine

DOCKERFILE = """\
FROM {base}
RUN head -c 1000000 /dev/zero > /big.bin
RUN rm /big.bin
RUN echo first > /app.conf
RUN echo second-version > /app.conf
COPY secret.key /tmp/secret.key
RUN rm /tmp/secret.key
CMD ["cat", "/app.conf"]
"""


def test_saved_image_index_and_waste_are_exact(
    engine: Engine, base_images: BaseImages, tmp_path: Path
) -> None:
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "secret.key").write_text("-----BEGIN PRIVATE KEY-----\nxyz\n")
    (context / "Dockerfile").write_text(DOCKERFILE.format(base=base_images.busybox))
    tag = f"dockwise-test/image-archive:{uuid.uuid4().hex[:12]}"
    archive = tmp_path / "image.tar"
    try:
        image_id, _ = engine.build(context, tag)
        with archive.open("wb") as handle:
            for chunk in engine.client.images.get(image_id).save(named=True):
                handle.write(chunk)
        image = read_docker_archive(archive)
        streamed = read_engine_image(tag)
    finally:
        engine.remove_image(tag)
    assert streamed.index.files == image.index.files, "the engine's stream gives the same index"
    assert streamed.index.wasted == image.index.wasted
    index = image.index
    assert "big.bin" not in index.files
    assert index.files["app.conf"].size == len("second-version\n")
    assert "tmp/secret.key" not in index.files
    hidden = {(entry.path, entry.size) for entry in index.shadowed}
    assert ("big.bin", 1_000_000) in hidden
    assert ("app.conf", len("first\n")) in hidden
    assert ("tmp/secret.key", len("-----BEGIN PRIVATE KEY-----\nxyz\n")) in hidden
    assert index.wasted == 1_000_000 + len("first\n") + len("-----BEGIN PRIVATE KEY-----\nxyz\n")
    commands = [layer.created_by for layer in image.layers]
    assert any("head -c 1000000" in command for command in commands)
    assert image.runtime.get("Cmd") == ["cat", "/app.conf"]
    findings = {(d.code, d.message) for d in image_findings(image, tag)}
    assert ("DW803", "/tmp/secret.key is hidden by a later layer but still in layer 6") in findings
    assert ("DW801", "the image runs as root (no USER)") in findings
    assert tag in image.tags


def test_an_image_the_engine_does_not_have_is_a_clear_error(engine: Engine) -> None:
    from dockwise.image.archive import ImageError

    with pytest.raises(ImageError, match="no such image in the engine"):
        read_engine_image(f"dockwise-test/absent:{uuid.uuid4().hex[:8]}")
