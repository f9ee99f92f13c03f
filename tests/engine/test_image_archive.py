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


BUILD_STEPS = """\
RUN mkdir /build && head -c 3000000 /dev/urandom > /build/objects.o
RUN head -c 1000000 /dev/urandom > /build/app
RUN rm /build/objects.o
"""


def _build(
    engine: Engine, tmp_path: Path, name: str, dockerfile: str, files: dict[str, str] | None = None
) -> str:
    context = tmp_path / name
    context.mkdir()
    for file_name, text in (files or {}).items():
        (context / file_name).write_text(text)
    (context / "Dockerfile").write_text(dockerfile)
    tag = f"dockwise-test/{name}:{uuid.uuid4().hex[:12]}"
    engine.build(context, tag)
    return tag


def test_multi_stage_against_single_stage_exact_figures(
    engine: Engine, base_images: BaseImages, tmp_path: Path
) -> None:
    """The playbook's claim, measured: the multi-stage image drops the build's 3 MB of objects that the
    single-stage image still carries in a lower layer."""
    from dockwise.image.archive import ReadOptions
    from dockwise.image.figures import figures
    from dockwise.image.report import comparison

    base = base_images.busybox
    single = _build(engine, tmp_path, "single", f'FROM {base}\n{BUILD_STEPS}CMD ["/build/app"]\n')
    multi = _build(
        engine,
        tmp_path,
        "multi",
        f"FROM {base} AS build\n{BUILD_STEPS}\nFROM {base}\nCOPY --from=build /build/app /out/app\n"
        'CMD ["/out/app"]\n',
    )
    try:
        options = ReadOptions()
        single_image, multi_image, base_image = (
            read_engine_image(single, options),
            read_engine_image(multi, options),
            read_engine_image(base, options),
        )
    finally:
        engine.remove_image(single)
        engine.remove_image(multi)
    base_size = figures(base_image).size
    one, two = figures(single_image), figures(multi_image)
    assert (one.size - base_size, one.wasted, one.final_size - figures(base_image).final_size) == (
        4_000_000,
        3_000_000,
        1_000_000,
    )
    assert (one.user_size, one.user_wasted) == (4_000_000, 3_000_000)
    assert (two.size - base_size, two.wasted) == (1_000_000, 0)
    difference = comparison(single_image, multi_image)
    assert difference["after"]["size"] - difference["before"]["size"] == -3_000_000
    assert {row["path"]: row["delta"] for row in difference["directories"]} == {
        "/build": -1_000_000,
        "/out": 1_000_000,
    }
    hidden = [(entry.path, entry.size) for entry in single_image.index.shadowed]
    assert hidden == [("build/objects.o", 3_000_000)]


def test_setuid_and_secret_content_findings_on_a_built_image(
    engine: Engine, base_images: BaseImages, tmp_path: Path
) -> None:
    key_id = "AKIA" + "IOSFODNN7EXAMPLE"
    tag = _build(
        engine,
        tmp_path,
        "findings",
        f"FROM {base_images.busybox}\n"
        "RUN mkdir -p /usr/local/bin && echo helper > /usr/local/bin/helper\n"
        "RUN chmod 4755 /usr/local/bin/helper\n"
        "COPY deploy.conf /app/deploy.conf\n"
        "RUN rm /app/deploy.conf\n"
        "USER 10001\n",
        files={"deploy.conf": f"region = eu-west-1\naws_access_key_id = {key_id}\n"},
    )
    try:
        image = read_engine_image(tag)
    finally:
        engine.remove_image(tag)
    findings = {(d.code, d.message) for d in image_findings(image, tag)}
    assert ("DW804", "/usr/local/bin/helper is setuid") in findings
    assert (
        "DW809",
        "/app/deploy.conf line 2 holds an AWS access key ID (AKIAIOSF…), "
        "hidden by a later layer but still in layer 4",
    ) in findings
    assert not any(code == "DW801" for code, _ in findings), "USER 10001"
    assert image.index.files["usr/local/bin/helper"].mode & 0o4000


def test_a_cached_engine_image_is_not_streamed_again(
    engine: Engine, base_images: BaseImages, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dockwise.image.archive import ReadOptions
    from dockwise.image.cache import LayerCache

    tag = _build(engine, tmp_path, "cached", f"FROM {base_images.busybox}\nRUN echo hi > /hi\n")
    try:
        first = read_engine_image(tag, ReadOptions(cache=LayerCache(tmp_path / "cache")))

        def no_stream(*_: object, **__: object) -> None:
            raise AssertionError("streamed although every layer is cached")

        monkeypatch.setattr("dockwise.engine.images.read_image_stream", no_stream)
        second = read_engine_image(tag, ReadOptions(cache=LayerCache(tmp_path / "cache")))
    finally:
        engine.remove_image(tag)
    assert second.index.files == first.index.files
    assert (first.layout, second.layout) == ("engine", "engine")
    assert [layer.digest for layer in second.layers] == [layer.digest for layer in first.layers]
    assert second.tags == [tag]
