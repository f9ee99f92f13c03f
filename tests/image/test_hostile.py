"""Hostile archives and layouts, made here byte by byte: each gives a clear ImageError or a correct result,
in bounded time and memory, and nothing is written anywhere."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import zstandard

from dockwise.image.archive import Image, ImageError, ReadOptions, open_image
from tests.image.builders import OciLayout, layer_tar, tar_of, write_archive

SECONDS = 10.0
PEAK_BYTES = 64 * 1024 * 1024
"""Python-level allocation peak allowed while reading one hostile input (tracemalloc)."""


def _header(name: str, size: int = 0, kind: bytes = tarfile.REGTYPE) -> bytearray:
    info = tarfile.TarInfo(name)
    info.size = size
    info.type = kind
    return bytearray(info.tobuf(format=tarfile.GNU_FORMAT))


def _rechecksum(block: bytearray) -> bytearray:
    block[148:156] = b"        "
    block[148:156] = b"%06o\0 " % sum(block[:512])
    return block


def _raw_layer(*blocks: bytes) -> bytes:
    return b"".join(blocks) + bytes(1024)


def _image(tmp: Path, layers: list[bytes], history: list[str] | None = None) -> Path:
    return write_archive(tmp / "image.tar", layers, history or [f"step {n}" for n in range(len(layers))])


def _huge_meta(kind: bytes) -> bytes:
    return _raw_layer(bytes(_header("././@LongLink" if kind != tarfile.XHDTYPE else "pax", 100 << 20, kind)))


def _negative_size() -> bytes:
    block = _header("neg", 0)
    block[124:136] = b"\xff" * 12  # GNU base-256: -1
    return _raw_layer(bytes(_rechecksum(block)))


def _bad_checksum() -> bytes:
    good = bytearray(_raw_layer(bytes(_header("a", 0)), bytes(_header("b", 0))))
    good[512 + 100] ^= 0x01  # the second header's mode field: its checksum no longer matches
    return bytes(good)


def _record(text: str) -> bytes:
    """A pax record with its own length written in front, as POSIX defines it."""
    body = f" {text}\n".encode()
    length = len(body) + len(str(len(body)))
    length = len(body) + len(str(length))
    return str(length).encode() + body


def _pax(records: bytes, name: str = "f") -> bytes:
    pax = _header("pax", len(records), tarfile.XHDTYPE)
    body = records + bytes(-len(records) % 512)
    return _raw_layer(bytes(pax), body, bytes(_header(name, 0)))


def _deep_path(levels: int) -> bytes:
    name = "/".join(["d"] * levels) + "/file"
    return layer_tar([(name, b"x" * 10)])


def _zstd_huge_window() -> bytes:
    """A streamed frame (no content size) that declares a 2 GiB window: decoding would need 2 GiB."""
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=31, write_content_size=False)
    compressor = zstandard.ZstdCompressor(compression_params=params).compressobj()
    return compressor.compress(layer_tar([("a", b"1" * 100)])) + compressor.flush()


def _gzip_bomb() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("zeros")
        info.size = 200 * 1000 * 1000
        archive.addfile(info, _Zeros(info.size))
    return gzip.compress(buffer.getvalue(), compresslevel=1)


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], Path]
    error: str | None = None
    """A part of the ImageError message; None: the input is valid and `check` tests the result."""
    check: Callable[[Image], bool] | None = None


def _layers(*layers: bytes) -> Callable[[Path], Path]:
    return lambda tmp: _image(tmp, list(layers))


def _archive(members: dict[str, bytes]) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / "archive.tar"
        path.write_bytes(tar_of(members))
        return path

    return make


def _manifest(
    value: object, config: bytes | None = None, layers: dict[str, bytes] | None = None
) -> dict[str, bytes]:
    members = {"manifest.json": json.dumps(value).encode()}
    if config is not None:
        members["config.json"] = config
    members.update(layers or {})
    return members


_CONFIG = json.dumps({"rootfs": {"diff_ids": []}, "config": {}}).encode()


def _files(image: Image) -> dict[str, tuple[str, int]]:
    return {path: (entry.kind, entry.size) for path, entry in image.index.files.items()}


def _symlinked_manifest(tmp: Path) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("manifest.json")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        archive.addfile(info)
        config = tarfile.TarInfo("config.json")
        config.size = len(_CONFIG)
        archive.addfile(config, io.BytesIO(_CONFIG))
    path = tmp / "link.tar"
    path.write_bytes(buffer.getvalue())
    return path


def _oci_mismatch(tmp: Path) -> Path:
    layout = OciLayout()
    descriptor = layout.image([layer_tar([("a", b"1")])])
    members = layout.members(layout.index([descriptor]))
    layer_key = next(k for k, v in members.items() if v.startswith(b"a\0") or b"ustar" in v[:512])
    members[layer_key] = layer_tar([("a", b"2")])  # same name, other content
    path = tmp / "oci.tar"
    path.write_bytes(tar_of(members))
    return path


def _oci_loop(tmp: Path) -> Path:
    """An index whose only entry names a blob that is the same index again: no document can hold its own
    digest, so the blob does not match the digest it is named by."""
    key = "sha256:" + "ab" * 32
    loop = json.dumps({"schemaVersion": 2, "manifests": [{"digest": key}]}).encode()
    root = tmp / "loop"
    (root / "blobs" / "sha256").mkdir(parents=True)
    (root / "index.json").write_bytes(loop)
    (root / "blobs" / "sha256" / ("ab" * 32)).write_bytes(loop)
    return root


def _oci_deep(tmp: Path) -> Path:
    """Real indexes, each naming the next by its true digest, five levels deep."""
    layout = OciLayout()
    descriptor = layout.image([layer_tar([("a", b"1")])])
    for _ in range(5):
        descriptor = {
            "mediaType": "application/vnd.oci.image.index.v1+json",
            **layout.blob(layout.index([descriptor])),
        }
    return layout.write_directory(tmp / "deep", layout.index([descriptor]))


def _oci_traversal_digest(tmp: Path) -> Path:
    index = json.dumps({"schemaVersion": 2, "manifests": [{"digest": "sha256:../../../etc/passwd"}]}).encode()
    root = tmp / "layout"
    root.mkdir()
    (root / "index.json").write_bytes(index)
    return root


def _oci_symlinked_blob(tmp: Path) -> Path:
    layout = OciLayout()
    descriptor = layout.image([layer_tar([("a", b"1")])])
    root = layout.write_directory(tmp / "layout", layout.index([descriptor]))
    layer = next(p for p in (root / "blobs" / "sha256").iterdir() if p.read_bytes()[:1] == b"a")
    layer.unlink()
    secret = tmp / "outside.tar"
    secret.write_bytes(layer_tar([("stolen", b"x")]))
    layer.symlink_to(secret)
    return root


def _symlink_layer(name: str, target: str, through: str) -> bytes:
    return _link_layer(name, target, tarfile.SYMTYPE, extra=[(through, b"abc")])


def _link_layer(name: str, target: str, kind: bytes, extra: list[tuple[str, bytes]] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = target
        archive.addfile(info)
        for path, data in extra or []:
            member = tarfile.TarInfo(path)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def _gnu_long_name(name: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        info = tarfile.TarInfo(name)
        info.size = 2
        archive.addfile(info, io.BytesIO(b"ok"))
    return buffer.getvalue()


def _corrupt(data: bytes) -> bytes:
    broken = bytearray(data)
    for position in range(20, len(broken) - 10, 7):
        broken[position] ^= 0x5A
    return bytes(broken)


def _truncate(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: data.find(b"layer0") + 1200])
    return path


def _append(path: Path, name: str, data: bytes) -> Path:
    with tarfile.open(path, "a") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


CASES = [
    # --- inside a layer ---------------------------------------------------------------------------------
    Case("path traversal", _layers(layer_tar([("../../etc/x", b"1")])), "climbs out"),
    Case("traversal mid-path", _layers(layer_tar([("a/../../x", b"1")])), "climbs out"),
    Case(
        "absolute names",
        _layers(layer_tar([("/etc/passwd", b"root")])),
        check=lambda image: _files(image) == {"etc/passwd": ("file", 4)},
    ),
    Case(
        "symlink escape, written through (reported as DW810)",
        _layers(_symlink_layer("evil", "../../../../etc/shadow", "evil/x")),
        check=lambda image: (
            image.index.files["evil"].kind == "symlink"
            and image.index.files["evil/x"].size == 3
            and [(r.symlink, r.path) for r in image.index.through] == [("evil", "evil/x")]
        ),
    ),
    Case(
        "hardlink to an absolute path that is not in the image",
        _layers(_link_layer("link", "/etc/shadow", tarfile.LNKTYPE)),
        "no such file in this layer or the ones below",
    ),
    Case(
        "hardlink escape",
        _layers(_link_layer("link", "../../etc/shadow", tarfile.LNKTYPE)),
        "points outside the image root",
    ),
    Case(
        "tar bomb claiming a terabyte",
        _layers(_raw_layer(bytes(_header("huge", 1 << 40)))),
        "ends inside a member",
    ),
    Case(
        "gzip bomb (200 MB of zeros, 200 kB compressed)",
        _layers(_gzip_bomb()),
        check=lambda image: image.index.files["zeros"].size == 200_000_000,
    ),
    Case(
        "corrupt gzip",
        _layers(_corrupt(gzip.compress(layer_tar([("a", b"x" * 5000)])))),
        "cannot read the gzip layer",
    ),
    Case(
        "truncated gzip", _layers(gzip.compress(layer_tar([("a", b"1")]))[:20]), "cannot read the gzip layer"
    ),
    Case(
        "truncated tar header",
        _layers(layer_tar([("a", b"1"), ("b", b"2")])[: 1024 + 100]),
        "ends inside a header",
    ),
    Case("bad header checksum", _layers(_bad_checksum()), "corrupt tar header"),
    Case("negative size", _layers(_negative_size()), "negative size"),
    Case("pax header of 100 MB", _layers(_huge_meta(tarfile.XHDTYPE)), "bytes of metadata"),
    Case("GNU long name of 100 MB", _layers(_huge_meta(tarfile.GNUTYPE_LONGNAME)), "bytes of metadata"),
    Case("malformed pax record", _layers(_pax(b"99 path=x\n")), "malformed pax header"),
    Case("non-numeric pax size", _layers(_pax(_record("size=abc"))), "non-numeric size"),
    Case(
        "duplicate entries in one layer",
        _layers(layer_tar([("a", b"1" * 10), ("a", b"2" * 20)])),
        check=lambda image: (image.index.files["a"].size, image.index.wasted) == (20, 10),
    ),
    Case(
        "whiteout of the parent directory",
        _layers(layer_tar([("a", None)]), layer_tar([("a/.wh...", b"")])),
        "names no file",
    ),
    Case(
        "empty whiteout name", _layers(layer_tar([("a", b"1")]), layer_tar([(".wh.", b"")])), "names no file"
    ),
    Case(
        "opaque whiteout at the root",
        _layers(
            layer_tar([("a", b"1" * 5), ("b/c", b"2" * 7)]), layer_tar([(".wh..wh..opq", b""), ("d", b"3")])
        ),
        check=lambda image: (set(image.index.files), image.index.wasted) == ({"d"}, 12),
    ),
    Case(
        "whiteout of a file that never existed",
        _layers(layer_tar([("a", b"1")]), layer_tar([(".wh.ghost", b"")])),
        check=lambda image: image.index.layers[1].removed == 0 and "a" in image.index.files,
    ),
    Case(
        "reserved .wh..wh. name",
        _layers(layer_tar([("a", b"1")]), layer_tar([(".wh..wh.plnk", b"")])),
        check=lambda image: "a" in image.index.files,
    ),
    Case(
        "whiteout of a directory of 5,000 files",
        _layers(
            layer_tar([("big", None), *[(f"big/f{n}", b"x") for n in range(5000)]]),
            layer_tar([(".wh.big", b"")]),
        ),
        check=lambda image: (len(image.index.files), image.index.wasted) == (0, 5000),
    ),
    Case(
        "path 3,000 directories deep",
        _layers(_deep_path(3000)),
        check=lambda image: image.index.size == 10,
    ),
    Case("corrupt zstd", _layers(b"\x28\xb5\x2f\xfd" + b"\xff" * 200), "cannot read the zstd layer"),
    Case("zstd frame asking for a 2 GiB window", _layers(_zstd_huge_window()), "cannot read the zstd layer"),
    Case(
        "empty layer blob",
        _layers(b""),
        check=lambda image: image.index.layers[0].added == 0,
    ),
    Case("random bytes as a layer", _layers(os.urandom(4096)), "corrupt tar header"),
    Case(
        "long GNU name (300 characters)",
        _layers(_gnu_long_name("n" * 300)),
        check=lambda image: "n" * 300 in image.index.files,
    ),
    Case(
        "pax path and size",
        _layers(_pax(_record("path=renamed.txt"))),
        check=lambda image: "renamed.txt" in image.index.files,
    ),
    # --- the archive around the layers --------------------------------------------------------------------
    Case(
        "manifest naming a layer outside the archive",
        _archive(_manifest([{"Config": "config.json", "Layers": ["../outside.tar"]}], _CONFIG)),
        "points outside the archive",
    ),
    Case("no manifest", _archive({"config.json": _CONFIG}), "manifest.json is missing"),
    Case(
        "manifest is an object",
        _archive(_manifest({"Config": "config.json"}, _CONFIG)),
        "manifest.json is missing",
    ),
    Case("JSON nested 100,000 deep", _archive({"manifest.json": b"[" * 100_000}), "not valid JSON"),
    Case(
        "config missing",
        _archive(_manifest([{"Config": "nope.json", "Layers": []}])),
        "config nope.json is missing",
    ),
    Case(
        "config not an object",
        _archive(_manifest([{"Config": "config.json", "Layers": []}], b"[1, 2]")),
        "not a JSON object",
    ),
    Case(
        "Layers not a list",
        _archive(_manifest([{"Config": "config.json", "Layers": "x"}], _CONFIG)),
        "Layers is not a list",
    ),
    Case(
        "outer archive truncated",
        lambda tmp: _truncate(_image(tmp, [layer_tar([("a", b"1" * 4096)])])),
        "ends inside",
    ),
    Case(
        "manifest.json twice (the last one counts, as tar extraction would)",
        lambda tmp: _append(_image(tmp, [layer_tar([("a", b"1")])]), "manifest.json", b"{}"),
        "manifest.json is missing",
    ),
    Case("manifest.json as a symlink to /etc/passwd", _symlinked_manifest, "manifest.json is missing"),
    Case("OCI blob that does not match its digest", _oci_mismatch, "does not match its digest"),
    Case("OCI index that refers to itself", _oci_loop, "does not match its digest"),
    Case("OCI indexes nested five deep", _oci_deep, "nest deeper"),
    Case("OCI digest with a path in it", _oci_traversal_digest, "not a content digest"),
    Case("OCI blob that is a symlink out of the layout", _oci_symlinked_blob, "missing from the layout"),
    Case("empty file", lambda tmp: _write(tmp / "empty.tar", b""), "no files in it"),
    Case(
        "corrupt gzip around the archive",
        lambda tmp: _write(tmp / "x.tar.gz", _corrupt(gzip.compress(tar_of({"a": b"1" * 9000})))),
        "cannot read",
    ),
]


def test_there_are_at_least_thirty_hostile_inputs() -> None:
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = case.make(tmp_path)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        if case.error is None:
            image = open_image(str(source), ReadOptions())
        else:
            with pytest.raises(ImageError) as raised:
                open_image(str(source), ReadOptions())
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    if case.error is None:
        assert case.check is not None
        assert case.check(image), f"unexpected result: {sorted(image.index.files)[:10]}"
    else:
        assert case.error in str(raised.value)
        assert str(source) in str(raised.value), "the message names the input"
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"
    assert peak < PEAK_BYTES, f"allocated {peak / 1e6:.0f} MB at the peak"
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before, "nothing written"
