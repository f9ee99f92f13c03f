"""Archives that lie, built here byte by byte (tarfile, gzip, zlib, zstandard): forged layers behind a diff_id
the cache knows, corrupt or padded compression, digests, sizes and layer counts that do not match, members
outside the archive, hardlinks out of the root or to nothing, entries written through a symlink.

Each refused input is read by the CLI with no cache, a cold cache and a warm one (the honest version of the
image read first, with the same cache): one line on stderr, exit status 2, no traceback. What is reported
rather than refused (write-through symlinks) is checked in both cache states too.
"""

from __future__ import annotations

import gzip
import io
import json
import stat
import struct
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zstandard

from dockwise.image import layers as layers_module
from dockwise.image.archive import ImageError, ReadOptions, open_image, read_image_stream
from dockwise.image.cache import LayerCache
from tests.image.builders import OciLayout, diff_id, digest, tar_of

KEY = (
    b"-----BEGIN OPENSSH PRIVATE KEY-----\n"
    b"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    b"QyNTUxOQAAACDzTz3f4kDhGVn0aE3hMdLuqTNKNHmqAIqEuYnkK1UQCgAAAJgAAAAAAAAA\n"
    b"-----END OPENSSH PRIVATE KEY-----\n"
)

# --- layers ---------------------------------------------------------------------------------------------

Member = tuple[str, str, Any]
"""(kind, path, data): kind "file" (data: bytes, or (bytes, mode)), "dir", "symlink" or "hardlink" (data:
the link's target)."""


def tar(*members: Member) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for kind, path, data in members:
            info = tarfile.TarInfo(path)
            info.mtime = 0
            if kind == "file":
                content, mode = data if isinstance(data, tuple) else (data, 0o644)
                info.size, info.mode = len(content), mode
                archive.addfile(info, io.BytesIO(content))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE}[
                kind
            ]
            info.mode = 0o755 if kind == "dir" else 0o777
            info.linkname = data or ""
            archive.addfile(info)
    return buffer.getvalue()


BASE = tar(
    ("dir", "etc", None),
    ("file", "etc/os-release", b"ID=base\n"),
    ("dir", "bin", None),
    ("file", "bin/tool", bytes(range(256)) * 64),
    ("file", "etc/motd", b"welcome\n" * 200),
)
FORGED = tar(
    ("dir", "etc", None),
    ("file", "etc/os-release", b"ID=base\n"),
    ("file", "opt/app/deploy_key", KEY),
    ("file", "usr/bin/helper", (b"\x7fELF" + bytes(60), 0o4755)),
)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(write_checksum=True).compress(data)


def flip(data: bytes, position: int, mask: int = 0x01) -> bytes:
    changed = bytearray(data)
    changed[position] ^= mask
    return bytes(changed)


def bad_deflate_block(data: bytes) -> bytes:
    """The first deflate block header set to the reserved block type (BTYPE 11): invalid at once."""
    member = bytearray(gz(data))
    member[10] |= 0b110  # after the 10-byte gzip header: BFINAL, then BTYPE in bits 1-2
    return bytes(member)


def corrupt_zstd_block(data: bytes) -> bytes:
    frame = bytearray(zst(data))
    for position in range(len(frame) // 3, len(frame) // 3 + 16):
        frame[position] ^= 0xA5
    return bytes(frame)


# --- images -----------------------------------------------------------------------------------------------


def docker_archive(
    path: Path,
    blobs: list[bytes],
    *,
    names: list[str] | None = None,
    diff_ids: list[str] | None = None,
    manifest_layers: list[str] | None = None,
    compress_outer: bool = False,
) -> Path:
    """A `docker save` archive. Members are named `blobs/sha256/<digest>` as Docker 25+ names them unless
    `names` says otherwise; the config lists the blobs' true diff_ids unless `diff_ids` does."""
    names = names or [f"blobs/sha256/{digest(blob)[7:]}" for blob in blobs]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"User": "10001", "Healthcheck": {"Test": ["CMD", "/bin/tool"]}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids or [diff_id(blob) for blob in blobs]},
        "history": [{"created_by": f"/bin/sh -c step {n}"} for n in range(len(blobs))],
    }
    raw_config = json.dumps(config).encode()
    config_name = f"blobs/sha256/{digest(raw_config)[7:]}"
    manifest = [{"Config": config_name, "RepoTags": ["t:1"], "Layers": manifest_layers or names}]
    members = {"manifest.json": json.dumps(manifest).encode(), config_name: raw_config}
    members.update(zip(names, blobs, strict=True))
    data = tar_of(members)
    path.write_bytes(gzip.compress(data, mtime=0) if compress_outer else data)
    return path


def oci_layout(
    root: Path,
    blobs: list[bytes],
    *,
    diff_ids: list[str] | None = None,
    descriptors: list[dict[str, Any]] | None = None,
    config_blob: Callable[[bytes], bytes] | None = None,
    manifest_blob: Callable[[bytes], bytes] | None = None,
) -> Path:
    """An OCI image layout. `descriptors` override the layers' digest and size (the blob is then stored
    under the claimed digest); `config_blob` and `manifest_blob` change a document after its descriptor
    was computed."""
    layout = OciLayout()
    layers = []
    for number, blob in enumerate(blobs):
        descriptor = {"digest": digest(blob), "size": len(blob), **(descriptors or [{}] * len(blobs))[number]}
        layout.blobs[descriptor["digest"]] = blob
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **descriptor})
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"User": "10001"},
        "rootfs": {"type": "layers", "diff_ids": diff_ids or [diff_id(blob) for blob in blobs]},
    }
    raw_config = json.dumps(config).encode()
    config_descriptor = layout.blob(raw_config)
    if config_blob is not None:
        layout.blobs[config_descriptor["digest"]] = config_blob(raw_config)
    manifest = json.dumps({"schemaVersion": 2, "config": config_descriptor, "layers": layers}).encode()
    manifest_descriptor = layout.blob(manifest)
    if manifest_blob is not None:
        layout.blobs[manifest_descriptor["digest"]] = manifest_blob(manifest)
    return layout.write_directory(root, layout.index([manifest_descriptor]))


# --- the hostile inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    name: str
    honest: Callable[[Path], Path]
    """The image an honest sender would have sent: read first, to warm the cache."""
    hostile: Callable[[Path], Path]
    error: str
    """Part of the one-line message."""


def _docker(blobs: list[bytes], **options: Any) -> Callable[[Path], Path]:
    return lambda tmp: docker_archive(tmp / f"image-{len(list(tmp.iterdir()))}.tar", blobs, **options)


def _legacy(blobs: list[bytes], **options: Any) -> Callable[[Path], Path]:
    """The pre-25 `docker save` layout: `<id>/layer.tar`, names that claim no digest."""
    names = [f"{n:064x}/layer.tar" for n in range(len(blobs))]
    return _docker(blobs, names=names, **options)


def _oci(blobs: list[bytes], **options: Any) -> Callable[[Path], Path]:
    return lambda tmp: oci_layout(tmp / f"layout-{len(list(tmp.iterdir()))}", blobs, **options)


def _plain_tar(members: dict[str, bytes]) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / f"archive-{len(list(tmp.iterdir()))}.tar"
        path.write_bytes(tar_of(members))
        return path

    return build


def _manifest_only(layers: list[str], extra: dict[str, bytes]) -> Callable[[Path], Path]:
    config = json.dumps({"rootfs": {"type": "layers", "diff_ids": [diff_id(BASE)] * len(layers)}}).encode()
    manifest = json.dumps([{"Config": "config.json", "Layers": layers}]).encode()
    return _plain_tar({"manifest.json": manifest, "config.json": config, **extra})


BASE_GZ = gz(BASE)
FORGED_GZ = gz(FORGED)
BASE_ID = diff_id(BASE)

FORGERIES = [
    # a forged layer that claims the diff_id of a layer read before, and carries a key and a setuid binary
    Hostile(
        "forged layer, OCI layout, true blob digest, the cached diff_id",
        _oci([BASE_GZ]),
        _oci([FORGED_GZ], diff_ids=[BASE_ID]),
        "does not match the config's diff_id",
    ),
    Hostile(
        "forged layer, OCI layout, the cached blob digest and diff_id",
        _oci([BASE_GZ]),
        _oci([FORGED_GZ], diff_ids=[BASE_ID], descriptors=[{"digest": digest(BASE_GZ)}]),
        "does not match its digest",
    ),
    Hostile(
        "forged layer, docker save, named by the cached diff_id",
        _docker([BASE]),
        _docker([FORGED], names=[f"blobs/sha256/{BASE_ID[7:]}"], diff_ids=[BASE_ID]),
        "does not match its digest",
    ),
    Hostile(
        "forged layer, legacy docker save (no digest in the name)",
        _legacy([BASE]),
        _legacy([FORGED], diff_ids=[BASE_ID]),
        "does not match the config's diff_id",
    ),
    Hostile(
        "forged layer, legacy docker save, gzip-compressed archive (one pass)",
        _legacy([BASE], compress_outer=True),
        _legacy([FORGED], diff_ids=[BASE_ID], compress_outer=True),
        "does not match the config's diff_id",
    ),
    Hostile(
        "forged layer, docker save named by the cached diff_id, gzip-compressed archive (one pass)",
        _docker([BASE], compress_outer=True),
        _docker([FORGED], names=[f"blobs/sha256/{BASE_ID[7:]}"], diff_ids=[BASE_ID], compress_outer=True),
        "does not match its digest",
    ),
    Hostile(
        "forged gzip layer behind an uncompressed cached one",
        _legacy([BASE]),
        _legacy([FORGED_GZ], diff_ids=[BASE_ID]),
        "does not match the config's diff_id",
    ),
]

_CORRUPT = [
    ("gzip with a bad CRC", flip(BASE_GZ, -8), "cannot read the gzip layer"),
    ("gzip with a bad length", flip(BASE_GZ, -1), "cannot read the gzip layer"),
    ("gzip with a corrupt deflate block", bad_deflate_block(BASE), "cannot read the gzip layer"),
    ("gzip cut inside its trailer", BASE_GZ[:-6], "the gzip stream is truncated"),
    ("gzip with trailing garbage", BASE_GZ + b"hidden payload", "data after the end of the gzip stream"),
    ("gzip with zero padding", BASE_GZ + bytes(1024), "data after the end of the gzip stream"),
    ("gzip followed by half a member", BASE_GZ + gz(FORGED)[:40], "the gzip stream is truncated"),
    ("zstd with a bad checksum", flip(zst(BASE), -1), "cannot read the zstd layer"),
    ("zstd with a corrupt block", corrupt_zstd_block(BASE), "cannot read the zstd layer"),
    ("zstd cut inside its last frame", zst(BASE)[:-3], "the zstd stream is truncated"),
    ("zstd with trailing garbage", zst(BASE) + b"hidden payload", "cannot read the zstd layer"),
]
CORRUPTIONS = [
    Hostile(f"{label} ({form})", honest, hostile, error)
    for label, blob, error in _CORRUPT
    for form, honest, hostile in [
        ("legacy docker save", _legacy([BASE_GZ]), _legacy([blob], diff_ids=[BASE_ID])),
        ("OCI layout", _oci([BASE_GZ]), _oci([blob], diff_ids=[BASE_ID])),
    ]
]

LINKS = tar(("file", "etc/passwd", b"root:x:0:0::/root:/bin/sh\n"), ("hardlink", "etc/passwd-", "etc/passwd"))
CLAIMS = [
    Hostile(
        "diff_id that does not match the layer",
        _docker([BASE]),
        _docker([BASE], diff_ids=[diff_id(LINKS)]),
        "does not match the config's diff_id",
    ),
    Hostile(
        "blob that does not match its OCI digest",
        _oci([BASE_GZ]),
        _oci([BASE_GZ], descriptors=[{"digest": digest(flip(BASE_GZ, 40))}]),
        "does not match its digest",
    ),
    Hostile(
        "blob that does not match the digest in its name",
        _docker([BASE]),
        _docker([BASE], names=[f"blobs/sha256/{digest(LINKS)[7:]}"]),
        "does not match its digest",
    ),
    Hostile(
        "OCI descriptor with the wrong size",
        _oci([BASE_GZ]),
        _oci([BASE_GZ], descriptors=[{"size": len(BASE_GZ) + 1}]),
        "its descriptor says",
    ),
    Hostile(
        "OCI manifest that does not match its digest",
        _oci([BASE_GZ]),
        _oci([BASE_GZ], manifest_blob=lambda raw: raw.replace(b'"schemaVersion": 2', b'"schemaVersion":  2')),
        "the manifest blobs/sha256/",
    ),
    Hostile(
        "OCI config that does not match its digest",
        _oci([BASE_GZ]),
        _oci([BASE_GZ], config_blob=lambda raw: raw.replace(b'"10001"', b'"0"    ')),
        "the image config blobs/sha256/",
    ),
    Hostile(
        "more layers than diff_ids",
        _docker([BASE, LINKS]),
        _docker([BASE, LINKS], diff_ids=[BASE_ID]),
        "the manifest lists 2 layers but the config's rootfs.diff_ids has 1",
    ),
    Hostile(
        "more diff_ids than layers",
        _docker([BASE]),
        _docker([BASE], diff_ids=[BASE_ID, diff_id(LINKS)]),
        "the manifest lists 1 layer but the config's rootfs.diff_ids has 2",
    ),
    Hostile(
        "layer listed but not in the archive",
        _docker([BASE]),
        _manifest_only(["0/layer.tar"], {}),
        "layer 1 (0/layer.tar) is listed in the manifest but not in the archive",
    ),
    Hostile(
        "layer outside the archive (../)",
        _docker([BASE]),
        _manifest_only(["../0/layer.tar"], {"0/layer.tar": BASE}),
        "layer 1 ('../0/layer.tar') points outside the archive",
    ),
    Hostile(
        "layer outside the archive (absolute path)",
        _docker([BASE]),
        _manifest_only(["/0/layer.tar"], {"0/layer.tar": BASE}),
        "layer 1 ('/0/layer.tar') points outside the archive",
    ),
    Hostile(
        "blob missing from an OCI layout",
        _oci([BASE_GZ]),
        lambda tmp: _without_layer(_oci([BASE_GZ])(tmp)),
        "is listed in the manifest but missing from the layout",
    ),
]

HARDLINKS = [
    Hostile(
        "hardlink climbing out of the root",
        _docker([BASE]),
        _docker([BASE, tar(("hardlink", "etc/shadow", "../../../etc/shadow"))]),
        "hardlink /etc/shadow points outside the image root",
    ),
    Hostile(
        "hardlink to an absolute path that climbs out",
        _docker([BASE]),
        _docker([BASE, tar(("hardlink", "x", "/../../etc/shadow"))]),
        "hardlink /x points outside the image root",
    ),
    Hostile(
        "hardlink to a file that exists nowhere",
        _docker([BASE]),
        _docker([BASE, tar(("hardlink", "etc/shadow-", "etc/shadow"))]),
        "hardlink /etc/shadow- → /etc/shadow: no such file in this layer or the ones below",
    ),
    Hostile(
        "hardlink before its target in the same layer",
        _docker([BASE]),
        _docker([tar(("hardlink", "b", "a"), ("file", "a", b"1"))]),
        "hardlink /b → /a: no such file",
    ),
    Hostile(
        "hardlink to a file a lower layer deleted",
        _docker([BASE]),
        _docker([BASE, tar(("file", "etc/.wh.motd", b"")), tar(("hardlink", "motd", "etc/motd"))]),
        "hardlink /motd → /etc/motd: no such file",
    ),
    Hostile(
        "hardlink to a directory",
        _docker([BASE]),
        _docker([BASE, tar(("hardlink", "etc2", "etc"))]),
        "the target is a directory",
    ),
]

REFUSED = FORGERIES + CORRUPTIONS + CLAIMS + HARDLINKS


def _without_layer(root: Path) -> Path:
    for blob in (root / "blobs" / "sha256").iterdir():
        if blob.read_bytes()[:2] == b"\x1f\x8b":
            blob.unlink()
    return root


def test_every_kind_of_lie_is_here() -> None:
    assert len({case.name for case in REFUSED}) == len(REFUSED)
    assert len(FORGERIES) >= 6
    assert len(CORRUPTIONS) >= 20
    assert len(CLAIMS) >= 10
    assert len(HARDLINKS) >= 5


@pytest.mark.parametrize("cache", ["no cache", "cold", "warm"])
@pytest.mark.parametrize("case", REFUSED, ids=[case.name for case in REFUSED])
def test_the_cli_refuses_in_one_line(
    case: Hostile,
    cache: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from dockwise.cli import main

    monkeypatch.setenv("DOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    flags = ["--no-cache"] if cache == "no cache" else []
    if cache == "warm":
        honest = case.honest(inputs)
        assert main(["image", "--exit-zero", str(honest)]) == 0, capsys.readouterr().err
        assert list((tmp_path / "cache" / "layers").rglob("*.json.gz")), "the honest layers are cached"
    capsys.readouterr()
    hostile = case.hostile(inputs)
    status = main(["image", *flags, str(hostile)])
    captured = capsys.readouterr()
    assert status == 2, captured.out[:500]
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"dockwise: error: {hostile}: ")
    assert case.error in lines[0]
    assert "Traceback" not in captured.err
    assert not captured.out


@pytest.mark.parametrize("case", FORGERIES, ids=[case.name for case in FORGERIES])
def test_a_forged_layer_never_takes_the_cached_layers_place(case: Hostile, tmp_path: Path) -> None:
    """With the honest image cached, the forged one is refused, and the cache still holds only the honest
    layer's scan (the forged bytes are never stored under the honest digests)."""
    cache = LayerCache(tmp_path / "cache")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    honest = open_image(str(case.honest(inputs)), ReadOptions(cache=cache))
    assert not any(scan.secrets for scan in honest.scans)
    with pytest.raises(ImageError, match="does not match"):
        open_image(str(case.hostile(inputs)), ReadOptions(cache=cache))
    fresh = LayerCache(tmp_path / "cache")
    for key in (BASE_ID, digest(BASE_GZ)):
        cached = fresh.scan(key)
        if cached is not None:
            assert not cached.secrets
            assert "opt/app/deploy_key" not in {entry.path for entry in cached.entries}


def test_the_forged_key_is_found_when_the_diff_id_is_its_own(tmp_path: Path) -> None:
    """An archive that tells the truth about the forged layer is read, cold or warm, and its key found."""
    cache = LayerCache(tmp_path / "cache")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    open_image(str(_legacy([BASE])(inputs)), ReadOptions(cache=cache))
    for _ in range(2):  # cold, then from the cache
        image = open_image(str(_legacy([FORGED])(inputs)), ReadOptions(cache=cache))
        [hit] = image.scans[0].secrets
        assert (hit.path, hit.pattern) == ("opt/app/deploy_key", "private-key")
        assert image.index.files["usr/bin/helper"].mode & stat.S_ISUID


# --- the cache answers only for what was verified -------------------------------------------------------


def _count_walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    monkeypatch.setenv("DOCKWISE_JOBS", "1")  # count in this process
    calls: list[int] = []
    real = layers_module.scan_layer

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr("dockwise.image.archive.scan_layer", counting)
    return calls


@pytest.mark.parametrize(
    "make",
    [
        _oci([BASE_GZ, gz(LINKS)]),
        _docker([BASE, LINKS]),
        _legacy([BASE, LINKS]),
        _docker([BASE, LINKS], compress_outer=True),
    ],
    ids=["OCI layout", "docker save", "legacy docker save", "compressed archive"],
)
def test_a_verified_layer_is_answered_from_the_cache_without_a_walk(
    make: Callable[[Path], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    walks = _count_walks(monkeypatch)
    cache_dir = tmp_path / "cache"
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    target = make(inputs)
    cold = open_image(str(target), ReadOptions(cache=LayerCache(cache_dir)))
    assert len(walks) == 2
    fresh = LayerCache(cache_dir)
    warm = open_image(str(target), ReadOptions(cache=fresh))
    assert len(walks) == 2, "hashed, not walked"
    assert fresh.hits >= 2
    assert warm.index.files == cold.index.files
    assert [layer.digest for layer in warm.layers] == [BASE_ID, diff_id(LINKS)]


def test_a_compressed_and_an_uncompressed_blob_of_one_layer_share_the_diff_id_entry(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path / "cache")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    open_image(str(_oci([BASE_GZ])(inputs)), ReadOptions(cache=cache))
    fresh = LayerCache(tmp_path / "cache")
    by_diff_id = fresh.scan(BASE_ID)
    assert by_diff_id is not None
    assert (by_diff_id.digest, by_diff_id.diff_id, by_diff_id.compression) == (
        digest(BASE_GZ),
        BASE_ID,
        "gzip",
    )
    # the legacy archive's uncompressed blob hashes to BASE_ID, not to the gzip blob's digest: read in full
    image = open_image(str(_legacy([BASE])(inputs)), ReadOptions(cache=fresh))
    assert image.scans[0].compression == "none"


def _engine_stream(blob: bytes, diff_ids: list[str]) -> io.BytesIO:
    """A `docker save` stream as Docker 25+ writes it: members named by the layers' digests."""
    config = json.dumps({"rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    name = f"blobs/sha256/{diff_ids[0][7:]}"
    manifest = json.dumps([{"Config": "config.json", "Layers": [name]}]).encode()
    return io.BytesIO(tar_of({name: blob, "config.json": config, "manifest.json": manifest}))


def test_the_engine_vouches_for_its_own_diff_ids(tmp_path: Path) -> None:
    """In a stream from the daemon, a cached layer named by a diff_id the daemon lists is not read at all:
    the daemon computed that diff_id itself. The same bytes in any other stream are verified, and refused."""
    cache = LayerCache(tmp_path / "cache")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    open_image(str(_docker([BASE])(inputs)), ReadOptions(cache=cache))
    unread = b"\0" * 2048  # never looked at when the engine vouches
    image = read_image_stream(
        _engine_stream(unread, [BASE_ID]), "engine", ReadOptions(cache=cache), None, {BASE_ID}
    )
    assert "etc/os-release" in image.index.files
    with pytest.raises(ImageError, match="does not match its digest"):
        read_image_stream(_engine_stream(unread, [BASE_ID]), "file", ReadOptions(cache=cache))


# --- what is accepted -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "blob",
    [
        gz(BASE[:1024]) + gz(BASE[1024:]),
        zstandard.ZstdCompressor().compress(BASE[:3000]) + zstandard.ZstdCompressor().compress(BASE[3000:]),
        struct.pack("<II", 0x184D2A5A, 3) + b"abc" + zst(BASE) + struct.pack("<II", 0x184D2A50, 0),
        zstandard.ZstdCompressor(write_checksum=False, write_content_size=False).compress(BASE),
    ],
    ids=["two gzip members", "two zstd frames", "zstd skippable frames", "zstd without checksum or size"],
)
def test_valid_streams_the_specs_allow(blob: bytes, tmp_path: Path) -> None:
    image = open_image(str(docker_archive(tmp_path / "i.tar", [blob])))
    assert image.index.files["etc/os-release"].size == len(b"ID=base\n")
    assert image.layers[0].digest == BASE_ID


def test_hardlinks_to_this_layer_and_the_ones_below(tmp_path: Path) -> None:
    layers = [
        BASE,
        tar(
            ("file", "a", b"1"),
            ("hardlink", "b", "a"),
            ("hardlink", "c", "/etc/motd"),
            ("hardlink", "d", "./b"),
        ),
    ]
    image = open_image(str(docker_archive(tmp_path / "i.tar", layers)))
    files = image.index.files
    assert [(files[path].kind, files[path].link) for path in "bcd"] == [
        ("hardlink", "a"),
        ("hardlink", "etc/motd"),
        ("hardlink", "b"),
    ]


# --- what is reported -----------------------------------------------------------------------------------

THROUGH = [
    BASE,
    tar(("symlink", "etc", "/tmp"), ("file", "opt/x", b"x")),
    tar(("file", "etc/passwd", b"evil::0:0::/:/bin/sh\n"), ("file", "etc/cron.d/job", b"* * * * * root x\n")),
]


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_entries_written_through_a_symlink_are_reported(cache: str, tmp_path: Path) -> None:
    from dockwise.image.report import image_findings

    layer_cache = LayerCache(tmp_path / "cache")
    target = docker_archive(tmp_path / "i.tar", THROUGH)
    image = open_image(str(target), ReadOptions(cache=layer_cache))
    if cache == "warm":
        image = open_image(str(target), ReadOptions(cache=LayerCache(tmp_path / "cache")))
        assert all(not scan.secrets for scan in image.scans)
    [record] = image.index.through
    assert (record.layer, record.symlink, record.target, record.path, record.count) == (
        2,
        "etc",
        "/tmp",
        "etc/passwd",
        2,
    )
    messages = [d.message for d in image_findings(image, "i") if d.code == "DW810"]
    assert messages == [
        "/etc/passwd is written through the symlink /etc (→ /tmp) in layer 3, and 1 more entry: "
        "the engine puts it elsewhere or replaces the symlink"
    ]


def test_a_symlink_then_entries_under_it_in_the_same_layer(tmp_path: Path) -> None:
    layers = [
        tar(("symlink", "lib", "usr/lib"), ("file", "lib/x.so", b"\x7fELF"), ("file", "usr/lib/y", b"y"))
    ]
    image = open_image(str(docker_archive(tmp_path / "i.tar", layers)))
    assert [(r.symlink, r.path, r.count) for r in image.index.through] == [("lib", "lib/x.so", 1)]


def test_a_symlink_replaced_by_a_directory_is_no_longer_followed(tmp_path: Path) -> None:
    layers = [tar(("symlink", "a", "/etc")), tar(("dir", "a", None), ("file", "a/b", b"1"))]
    image = open_image(str(docker_archive(tmp_path / "i.tar", layers)))
    assert image.index.through == []


def test_sbom_refuses_a_forged_archive_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dockwise.cli import main

    monkeypatch.setenv("DOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    assert main(["sbom", str(_legacy([BASE])(inputs))]) == 0
    forged = _legacy([FORGED], diff_ids=[BASE_ID])(inputs)
    capsys.readouterr()
    assert main(["sbom", str(forged)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "does not match the config's diff_id" in err
