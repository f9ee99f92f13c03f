"""docker save archives made by the tests: the file index, whiteouts, opaque directories, wasted bytes
counted once, dive's figures for comparison, compression and hostile input."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import time
from pathlib import Path

import pytest
import zstandard

from dockwise.image.archive import ImageError, read_docker_archive
from dockwise.image.layers import LayerError, clean_path
from tests.image.builders import layer_tar, write_archive


def test_overwrites_deletions_and_opaque_directories(tmp_path: Path) -> None:
    mb = b"x" * 1_000_000
    layers = [
        layer_tar([("etc", None), ("etc/a.conf", b"a" * 100), ("data", None), ("data/big.bin", mb)]),
        layer_tar(
            [("data/.wh.big.bin", b""), ("etc/a.conf", b"b" * 300), ("cache", None), ("cache/x", b"c" * 50)]
        ),
        layer_tar([("cache/.wh..wh..opq", b""), ("cache/y", b"y" * 10), ("etc/a.conf", b"z" * 20)]),
    ]
    image = read_docker_archive(write_archive(tmp_path / "i.tar", layers, ["base", "step two", "step three"]))
    index = image.index
    assert {path: entry.size for path, entry in index.files.items() if entry.kind == "file"} == {
        "etc/a.conf": 20,
        "cache/y": 10,
    }
    assert index.wasted == 1_000_000 + 100 + 300 + 50, "each hidden version once: big.bin, two a.conf, x"
    assert [
        (layer.size, layer.added, layer.changed, layer.removed, layer.wasted_here) for layer in index.layers
    ] == [
        (1_000_100, 4, 0, 0, 1_000_100),
        (350, 2, 1, 1, 350),
        (30, 1, 1, 1, 0),
    ]
    assert [layer.created_by for layer in image.layers] == ["base", "step two", "step three"]
    assert index.dive_wasted_bytes == 100 + 300 + 20 + 1_000_000, "dive counts every copy of a.conf"
    assert 0 < index.dive_efficiency < 1
    assert image.tags == ["test:1"]


def test_gzip_and_zstd_layers(tmp_path: Path) -> None:
    plain = layer_tar([("a", b"1" * 10)])
    layers = [gzip.compress(plain), zstandard.ZstdCompressor().compress(plain), plain]
    image = read_docker_archive(write_archive(tmp_path / "i.tar", layers, ["a", "b", "c"]))
    assert image.index.wasted == 20
    assert image.index.files["a"].layer == 2


@pytest.mark.parametrize(
    ("name", "expected"),
    [("./a/b", "a/b"), ("/a/./b/", "a/b"), ("a/../b", "b"), (".", None), ("a//b", "a/b")],
)
def test_clean_paths(name: str, expected: str | None) -> None:
    assert clean_path(name) == expected


@pytest.mark.parametrize("name", ["../etc/passwd", "a/../../b", "/.."])
def test_paths_that_climb_out_are_refused(name: str) -> None:
    with pytest.raises(LayerError, match="climbs out"):
        clean_path(name)


def test_hostile_archives_give_clear_errors(tmp_path: Path) -> None:
    good_layer = layer_tar([("a", b"1")])
    cases = {
        "traversal": write_archive(tmp_path / "t.tar", [layer_tar([("../../etc/x", b"1")])], ["x"]),
        "not a tar": tmp_path / "n.tar",
        "truncated gzip": write_archive(tmp_path / "g.tar", [gzip.compress(good_layer)[:20]], ["x"]),
        "garbage layer": write_archive(tmp_path / "b.tar", [b"\x00garbage" * 100], ["x"]),
    }
    cases["not a tar"].write_bytes(b"hello")
    messages = {}
    for label, path in cases.items():
        with pytest.raises(ImageError) as raised:
            read_docker_archive(path)
        messages[label] = str(raised.value)
    assert "climbs out" in messages["traversal"]
    assert "not an image archive: the tar stream ends inside a header" in messages["not a tar"]
    assert "cannot read the gzip layer" in messages["truncated gzip"]
    missing = write_archive(tmp_path / "m.tar", [good_layer], ["x"])
    with tarfile.open(missing, "a") as archive:
        info = tarfile.TarInfo("manifest.json")
        data = json.dumps([{"Config": "blobs/sha256/config", "Layers": ["../outside.tar"]}]).encode()
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    with pytest.raises(ImageError, match=r"layer 1 \('../outside.tar'\) points outside the archive"):
        read_docker_archive(missing)


def test_a_layer_claiming_a_huge_file_costs_only_its_header(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("huge")
        info.size = 1 << 40  # a terabyte claimed, then the stream ends
        archive.addfile(info)
    started = time.perf_counter()
    with pytest.raises(ImageError, match="ends inside a member"):
        read_docker_archive(write_archive(tmp_path / "h.tar", [buffer.getvalue()], ["x"]))
    assert time.perf_counter() - started < 10, "refused at once, not after skipping a terabyte"


def test_image_command_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dockwise.cli import main

    layers = [layer_tar([("big", b"x" * 5000)]), layer_tar([(".wh.big", b"")])]
    archive = write_archive(tmp_path / "i.tar", layers, ["RUN make big", "RUN rm big"])
    assert main(["image", str(archive)]) == 1, "root and no health check are findings"
    out = capsys.readouterr().out
    assert "wasted 5.0 kB" in out
    assert "5.0 kB  /big (layer 1)" in out
    assert main(["image", "--format", "json", "--ignore", "DW801,DW802", str(archive)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["size"], document["wasted"]) == (5000, 5000)
    assert [layer["wasted"] for layer in document["layers"]] == [5000, 0]
    not_an_archive = tmp_path / "notes.txt"
    not_an_archive.write_text("hello")
    assert main(["image", str(not_an_archive)]) == 2
    assert "not an image archive" in capsys.readouterr().err


def test_build_arguments_recorded_in_the_history_are_found(tmp_path: Path) -> None:
    from dockwise.image.report import image_findings

    archive = write_archive(
        tmp_path / "i.tar",
        [layer_tar([("a", b"1")]), layer_tar([("b", b"2")])],
        ["#(nop) COPY file:abc in /a", "|1 NPM_TOKEN=npm_abc123 /bin/sh -c npm ci"],
    )
    messages = [d.message for d in image_findings(read_docker_archive(archive), "i") if d.code == "DW808"]
    assert messages == ["build argument NPM_TOKEN is recorded in the history (step 2)"]
