"""Where images come from: OCI layouts (directory and tar, compressed layers, nested and multi-platform
indexes), compressed archives, and the layer cache (hits skip the read; only computed digests are kept)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
import zstandard

from dockwise.image import layers as layers_module
from dockwise.image.archive import ImageError, ReadOptions, open_image
from dockwise.image.cache import LayerCache
from dockwise.image.layers import FileEntry
from tests.image.builders import OciLayout, digest, layer_tar, write_archive

BASE = layer_tar([("etc", None), ("etc/os-release", b"ID=test\n"), ("bin/tool", b"t" * 1000)])
APP = layer_tar([("app", None), ("app/main", b"m" * 300), ("etc/os-release", b"ID=changed\n")])


def _layout(**kwargs: object) -> tuple[OciLayout, bytes]:
    layout = OciLayout()
    descriptor = layout.image(
        [gzip.compress(BASE), zstandard.ZstdCompressor().compress(APP)],
        ["ADD rootfs.tar /", 'CMD ["sh"]', "COPY main /app/main"],
    )
    descriptor["annotations"] = {"org.opencontainers.image.ref.name": "app:1"}
    return layout, layout.index([descriptor])


def _file_sizes(files: dict[str, FileEntry]) -> dict[str, int]:
    return {path: entry.size for path, entry in files.items() if entry.kind == "file"}


@pytest.mark.parametrize("form", ["directory", "tar"])
def test_oci_layout_with_gzip_and_zstd_layers(form: str, tmp_path: Path) -> None:
    layout, index = _layout()
    if form == "directory":
        target = layout.write_directory(tmp_path / "layout", index)
    else:
        target = layout.write_tar(tmp_path / "layout.tar", index)
    image = open_image(str(target))
    assert _file_sizes(image.index.files) == {"etc/os-release": 11, "bin/tool": 1000, "app/main": 300}
    assert image.index.wasted == len(b"ID=test\n")
    assert [scan.compression for scan in image.scans] == ["gzip", "zstd"]
    assert image.tags == ["app:1"]
    assert image.layout == ("oci-layout" if form == "directory" else "oci-archive")
    assert [layer.digest for layer in image.layers] == [digest(BASE), digest(APP)], "diff IDs from the config"
    assert [layer.created_by for layer in image.layers] == ["ADD rootfs.tar /", "COPY main /app/main"]
    assert [step.layer for step in image.history] == [0, None, 1]


def test_a_multi_platform_index_picks_the_platform(tmp_path: Path) -> None:
    layout = OciLayout()
    amd = layout.image([layer_tar([("amd", b"1")])], platform="linux/amd64")
    arm = layout.image([layer_tar([("arm", b"1")])], platform="linux/arm64")
    attestation = layout.image([layer_tar([("att", b"1")])], platform="unknown/unknown")
    attestation["annotations"] = {"vnd.docker.reference.type": "attestation-manifest"}
    nested = layout.blob(layout.index([amd, arm, attestation]))
    nested["mediaType"] = "application/vnd.oci.image.index.v1+json"
    root = layout.write_directory(tmp_path / "layout", layout.index([nested]))
    assert "arm" in open_image(str(root), ReadOptions(platform="linux/arm64")).index.files
    assert "amd" in open_image(str(root), ReadOptions(platform="linux/amd64")).index.files
    with pytest.raises(
        ImageError, match=r"no image for linux/s390x in the index \(it has linux/amd64, linux/arm64\)"
    ):
        open_image(str(root), ReadOptions(platform="linux/s390x"))


def test_a_directory_that_is_not_a_layout(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="not an OCI image layout"):
        open_image(str(tmp_path))
    with pytest.raises(ImageError, match="no such file"):
        open_image(str(tmp_path / "missing.tar"))


@pytest.mark.parametrize("compress", [gzip.compress, zstandard.ZstdCompressor().compress])
def test_a_compressed_docker_archive_is_read_in_one_pass(compress: object, tmp_path: Path) -> None:
    plain = write_archive(tmp_path / "i.tar", [BASE, APP], ["a", "b"])
    packed = tmp_path / "i.tar.z"
    packed.write_bytes(compress(plain.read_bytes()))  # type: ignore[operator]
    assert open_image(str(packed)).index.files == open_image(str(plain)).index.files


def test_cache_hits_skip_the_layer_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKWISE_JOBS", "1")  # count the reads in this process
    layout, index = _layout()
    root = layout.write_directory(tmp_path / "layout", index)
    calls = []
    real = layers_module.scan_layer

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("dockwise.image.archive.scan_layer", counting)
    cache_dir = tmp_path / "cache"
    first = open_image(str(root), ReadOptions(cache=LayerCache(cache_dir)))
    assert len(calls) == 2
    fresh = LayerCache(cache_dir)  # a new process: from disk
    second = open_image(str(root), ReadOptions(cache=fresh))
    assert len(calls) == 2, "no layer read again"
    assert fresh.hits == 2
    assert second.index.files == first.index.files
    assert [s.secrets for s in second.scans] == [s.secrets for s in first.scans]
    stored = sorted(p.name for p in (cache_dir / "layers").rglob("*.json.gz"))
    blob_digests = sorted(digest(blob)[7:] + ".json.gz" for blob in layout.blobs.values() if blob[:1] != b"{")
    assert stored == blob_digests, "kept under the digests computed from the bytes"


def test_a_forged_digest_is_refused_and_not_cached(tmp_path: Path) -> None:
    layout, index = _layout()
    members = layout.members(index)
    gzip_key = next(k for k, v in members.items() if v[:2] == b"\x1f\x8b")
    members[gzip_key] = _gzip_of_size(layer_tar([("etc/os-release", b"ID=forged\n")]), len(members[gzip_key]))
    root = tmp_path / "layout"
    for name, data in members.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    cache = LayerCache(tmp_path / "cache")
    with pytest.raises(ImageError, match="does not match its digest"):
        open_image(str(root), ReadOptions(cache=cache))
    assert cache.scan("sha256:" + gzip_key.rsplit("/", 1)[1]) is None


def _gzip_of_size(data: bytes, size: int) -> bytes:
    """`data` gzipped to exactly `size` bytes (the size a descriptor gives), by the length of the file name
    in the gzip header."""
    bare = len(gzip.compress(data, mtime=0))
    assert size - bare >= 2, "the forged layer must be smaller"
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="n" * (size - bare - 1), mode="wb", fileobj=buffer, mtime=0) as packed:
        packed.write(data)
    assert len(buffer.getvalue()) == size
    return buffer.getvalue()


def test_an_unreadable_cache_entry_is_a_miss(tmp_path: Path) -> None:
    layout, index = _layout()
    root = layout.write_directory(tmp_path / "layout", index)
    cache_dir = tmp_path / "cache"
    open_image(str(root), ReadOptions(cache=LayerCache(cache_dir)))
    for entry in (cache_dir / "layers").rglob("*.json.gz"):
        entry.write_bytes(b"not gzip")
    image = open_image(str(root), ReadOptions(cache=LayerCache(cache_dir)))
    assert "app/main" in image.index.files


def test_secrets_are_found_in_compressed_layers(tmp_path: Path) -> None:
    token = "ghp_" + "Z" * 36
    layout = OciLayout()
    descriptor = layout.image(
        [gzip.compress(layer_tar([("root/.config/gh/hosts.yml", f"token: {token}\n".encode())]))]
    )
    root = layout.write_directory(tmp_path / "layout", layout.index([descriptor]))
    (hit,) = open_image(str(root)).scans[0].secrets
    assert (hit.path, hit.pattern, hit.line) == ("root/.config/gh/hosts.yml", "github-token", 1)
    assert token not in json.dumps(hit), "only a preview is kept"


@pytest.mark.parametrize("form", ["directory", "tar"])
def test_layers_read_by_several_processes_give_the_same_image(
    form: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = OciLayout()
    layers = [
        gzip.compress(layer_tar([(f"d{n}/f{m}", bytes([n]) * (m + 1)) for m in range(50)])) for n in range(6)
    ]
    descriptor = layout.image(layers)
    index = layout.index([descriptor])
    target = (
        layout.write_directory(tmp_path / "l", index)
        if form == "directory"
        else layout.write_tar(tmp_path / "l.tar", index)
    )
    monkeypatch.setenv("DOCKWISE_JOBS", "1")
    alone = open_image(str(target))
    monkeypatch.setenv("DOCKWISE_JOBS", "2")
    shared = open_image(str(target))
    assert shared.index.files == alone.index.files
    assert [scan.digest for scan in shared.scans] == [digest(layer) for layer in layers], "in manifest order"
