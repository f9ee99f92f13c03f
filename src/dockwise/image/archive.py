"""Images from files: `docker save` archives (the legacy layout and the OCI layout Docker 25+ writes inside
it), OCI image layouts (a directory or a tar of one), plain or compressed; and the assembly shared with the
engine reader (`dockwise.engine.images`).

An uncompressed archive file is read by seeking: its member index first, then the manifest and config,
then each layer once. A compressed archive or a stream is read in one sequential pass. Layers are walked
once each and never extracted (`layers.scan_layer`).

An archive or layout is whatever its sender made it, so it is checked as `docker load` and the OCI image
spec check one, and refused (ImageError, one line) when it fails:

* manifest.json's `Config` and `Layers` name members inside the archive (not `../x`, not `/x`), and those
  members exist; an OCI index or manifest names blobs by well-formed sha256 digests, and each blob exists;
* every blob named by a digest (OCI descriptors, `blobs/sha256/<hex>` members) hashes to it, and has the
  size its descriptor gives, documents (indexes, manifests, config) and layers alike;
* the manifest lists as many layers as the config's `rootfs.diff_ids`, and each layer's uncompressed tar
  stream hashes to its diff_id, with or without the cache (`docker load`: "invalid diffID for layer");
* each compressed layer is read to its end: gzip CRC and length, zstd checksums, no truncation, nothing
  after the last gzip member or zstd frame (`streams.py` says why, and what Docker and containerd do);
* hardlinks stay inside the root and name an existing file (`layers.py`).

The layer cache answers only for what this run verified or the engine vouches for (`cache.py`).
"""

from __future__ import annotations

import io
import json
import os
import platform
import posixpath
import re
import tarfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol

from dockwise.image.cache import LayerCache
from dockwise.image.layers import LayerError, LayerIndex, LayerScan, scan_layer
from dockwise.image.streams import (
    Chunks,
    CodecError,
    Counting,
    Prefixed,
    Slice,
    compression_of,
    decompressing,
    drain,
    is_codec_error,
    sha256_of,
)
from dockwise.image.tarwalk import Readable, TarError, walk_tar

MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_INDEX_DEPTH = 4
"""Image indexes may nest (an index of indexes); deeper than this is refused as a loop or an attack."""

_ATTESTATION = "attestation-manifest"
_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")


class ImageError(ValueError):
    """An input that is not a readable image."""


class Progress(Protocol):
    """Told how many bytes of the input have been read (`total` when known)."""

    def start(self, total: int | None) -> None: ...

    def advance(self, count: int) -> None: ...


@dataclass(frozen=True)
class ReadOptions:
    cache: LayerCache | None = None
    progress: Progress | None = None
    platform: str | None = None
    """`os/arch[/variant]` to pick from a multi-platform index; default: this machine's."""
    secrets: bool = True
    """Read small text files for secrets (off: headers only)."""


@dataclass(frozen=True)
class Layer:
    digest: str
    """The layer's diff ID when the config gives one, else its blob digest or name."""
    created_by: str
    """The instruction that made the layer (history), without BuildKit's `/bin/sh -c` prefix."""


@dataclass(frozen=True)
class HistoryStep:
    created_by: str
    layer: int | None
    """The layer it made, None for steps that made none (ENV, CMD, LABEL...)."""


@dataclass
class Image:
    """An image read from an archive, a layout or an engine: its config, the merged file index, and each
    layer's scan (secrets found in its files included)."""

    config: dict[str, Any]
    layers: list[Layer]
    index: LayerIndex
    tags: list[str] = field(default_factory=list)
    scans: list[LayerScan] = field(default_factory=list)
    history: list[HistoryStep] = field(default_factory=list)
    layout: str = "docker-archive"
    """"docker-archive", "oci-layout" or "engine"."""

    @property
    def runtime(self) -> dict[str, Any]:
        """The image's run configuration (`config` in the image config JSON)."""
        value = self.config.get("config") or {}
        return value if isinstance(value, dict) else {}

    @property
    def base_layers(self) -> tuple[int, bool]:
        """How many bottom layers came from the base image, and whether the history said so.

        The history shows where the base ends: its last step is usually an empty-layer `CMD` (or
        ENTRYPOINT) below the first layer-making step of this build (trivy's reading). When the history
        has no such step, dive's assumption is used: the first layer is the base.
        """
        last_layer_seen = False
        for position in range(len(self.history) - 1, -1, -1):
            step = self.history[position]
            if step.layer is not None:
                last_layer_seen = True
                continue
            if last_layer_seen and _is_command_step(step.created_by):
                below = [s.layer for s in self.history[:position] if s.layer is not None]
                return len(below), True
        return min(1, len(self.layers)), False


def open_image(target: str, options: ReadOptions | None = None) -> Image:
    """An image from a path (archive file or OCI layout directory) or an engine reference."""
    options = options or ReadOptions()
    path = Path(target)
    if path.is_dir():
        return read_oci_layout(path, options)
    if path.is_file():
        return read_image_file(path, options)
    if target.endswith((".tar", ".tar.gz", ".tgz", ".tar.zst")) or target.startswith(("./", "/", "../")):
        raise ImageError(f"{target}: no such file or directory")
    from dockwise.engine.images import read_engine_image

    return read_engine_image(target, options)


def read_docker_archive(path: Path, options: ReadOptions | None = None) -> Image:
    """Read a `docker save` (or OCI archive) tar file; kept for callers that know they hold a file."""
    return read_image_file(path, options or ReadOptions())


def read_image_file(path: Path, options: ReadOptions) -> Image:
    name = str(path)
    try:
        handle = path.open("rb")
    except OSError as error:
        raise ImageError(f"{name}: cannot open: {error.strerror or error}") from None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        compression = compression_of(handle.read(4))
        handle.seek(0)
        if compression != "none":
            return read_image_stream(decompressing(handle, compression), name, options, size)
        if options.progress is not None:
            options.progress.start(size)
        members: dict[str, tuple[int, int]] = {}
        try:
            for entry, _ in walk_tar(handle, seek_limit=size):
                if entry.type in tarfile.REGULAR_TYPES:
                    members[_member_name(entry.name)] = (entry.offset, entry.size)
        except TarError as error:
            raise ImageError(f"{name}: not an image archive: {error}") from None
        if not members:
            raise ImageError(f"{name}: not an image archive: no files in it")
        return assemble(_TarBlobs(path, handle, members, options), name, options, "docker-archive")


def read_image_stream(
    stream: Readable,
    name: str,
    options: ReadOptions,
    total: int | None = None,
    vouched: Collection[str] = (),
) -> Image:
    """Read an archive in one sequential pass (an engine's `docker save` stream, a compressed file).

    Members come in any order, and what each one is becomes known only from the manifest, often last: JSON
    documents are kept, every other blob is scanned as a layer, and the image is assembled at the end. A
    member named by a digest whose scan the cache holds is only hashed (assemble() answers from the cache
    when the hash matches, and refuses the archive when it does not); in an engine's stream, a member named
    by a digest the engine vouches for (`vouched`: its diff_ids) is skipped outright.
    """
    if options.progress is not None:
        options.progress.start(total)
        stream = Counting(stream, options.progress.advance)
    cache = options.cache
    blobs = _StreamBlobs()
    try:
        for entry, member in walk_tar(stream):
            if entry.type not in tarfile.REGULAR_TYPES:
                continue
            key = _member_name(entry.name)
            blobs.forget(key)  # a later member of the same name replaces it, as extraction would
            blobs.sizes[key] = entry.size
            claimed = _digest_of(key)
            cached = cache.scan(claimed) if claimed and cache is not None else None
            if cached is not None and claimed in vouched:
                blobs.skipped.add(key)
                continue
            if cached is not None and cached.digest == claimed:
                blobs.hashes[key] = sha256_of(member)
                continue
            first = member.read(1)
            if first in (b"{", b"[") and entry.size <= MAX_JSON_BYTES:
                blobs.documents[key] = first + member.read()
                continue
            try:
                blobs.scans[key] = scan_layer(Prefixed(first, member), secrets=options.secrets)
            except LayerError as error:
                blobs.errors[key] = str(error)  # reported if the manifest lists it
        drain(stream)  # a compressed archive is read to its end too (CRC, trailing data)
    except TarError as error:
        raise ImageError(f"{name}: not an image archive: {error}") from None
    except Exception as error:
        if isinstance(error, (OSError, EOFError, CodecError)) or is_codec_error(error):
            raise ImageError(f"{name}: cannot read: {error}") from None
        raise
    return assemble(blobs, name, options, "docker-archive", vouched)


def read_oci_layout(path: Path, options: ReadOptions) -> Image:
    """An OCI image layout directory (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`)."""
    if not (path / "index.json").is_file():
        raise ImageError(f"{path}: a directory, but not an OCI image layout (no index.json)")
    if options.progress is not None:
        blobs = path / "blobs"
        options.progress.start(sum(f.stat().st_size for f in blobs.rglob("*") if f.is_file()))
    return assemble(_DirBlobs(path, str(path), options), str(path), options, "oci-layout")


# --- assembly -------------------------------------------------------------------------------------------


class Blobs(Protocol):
    """Where assemble() finds documents and layers by archive member name (`blobs/sha256/<hex>`...)."""

    random_access: bool
    """Layers can be read in any order, by several processes at once."""
    missing: str
    """How a member that is not there is told ("not in the archive", "missing from the layout")."""

    def document(self, key: str) -> bytes | None: ...

    def scan(self, key: str, name: str) -> LayerScan: ...

    def digest(self, key: str) -> str:
        """`sha256:<hex>` of the blob as stored, without unpacking it."""
        ...

    def size(self, key: str) -> int | None:
        """The blob's length; None when there is no such blob."""
        ...


class _Ref(NamedTuple):
    """A blob as a manifest or index names it: member name, and what is claimed about it."""

    key: str
    digest: str
    """The sha256 it must have ("" when nothing claims one: legacy `<id>/layer.tar` names)."""
    size: int | None = None
    """The length an OCI descriptor gives."""


def assemble(
    blobs: Blobs, name: str, options: ReadOptions, layout: str, vouched: Collection[str] = ()
) -> Image:
    """Manifest → config → layers, from a docker manifest.json or an OCI index.json, every claim checked.

    `vouched`: diff_ids the engine itself stands for (an image streamed from the daemon), which the cache
    may answer for unread; every other layer is verified (cache.py).
    """
    manifest = _json(blobs, "manifest.json", name)
    if isinstance(manifest, list) and manifest and isinstance(manifest[0], dict):
        entry = manifest[0]
        config_key = _archive_member(entry.get("Config"), "the image config", name)
        config_ref = _Ref(config_key, _digest_of(config_key))
        refs = []
        for number, value in enumerate(_list(entry.get("Layers"), "Layers", name)):
            key = _archive_member(value, f"layer {number + 1}", name)
            refs.append(_Ref(key, _digest_of(key)))
        tags = [str(tag) for tag in entry.get("RepoTags") or []]
    elif manifest is None and blobs.document("index.json") is not None:
        config_ref, refs, tags = _resolve_oci(blobs, name, options)
        layout = "oci-layout" if layout == "oci-layout" else "oci-archive"
    else:
        raise ImageError(f"{name}: manifest.json is missing or does not describe an image")
    raw_config = _document(blobs, config_ref, "the image config", name)
    config = _parse(raw_config, config_ref.key, name)
    if not isinstance(config, dict):
        raise ImageError(f"{name}: the image config is not a JSON object")
    diff_ids = _diff_ids(config, len(refs), name)
    history = _history(config, len(refs))
    index = LayerIndex()
    layers = []
    scans = _layer_scans(blobs, refs, diff_ids, name, options, vouched)
    for number, (ref, scan) in enumerate(zip(refs, scans, strict=True)):
        try:
            index.add_layer(scan.entries)
        except LayerError as error:
            raise ImageError(f"{name}: layer {number + 1} ({ref.key}): {error}") from None
        created = next((step.created_by for step in history if step.layer == number), "")
        layers.append(Layer(diff_ids[number], created))
    if options.cache is not None:
        options.cache.store_config(raw_config)
    return Image(config, layers, index, tags, scans, history, layout)


def assemble_from_cache(raw_config: bytes, scans: list[LayerScan], tags: list[str]) -> Image:
    """An image whose config and every layer scan the cache held (the engine reader's fast path)."""
    config = json.loads(raw_config)
    diff_ids = [str(d) for d in (config.get("rootfs") or {}).get("diff_ids") or []]
    history = _history(config, len(scans))
    index = LayerIndex()
    for scan in scans:
        index.add_layer(scan.entries)
    layers = [
        Layer(diff_id, next((s.created_by for s in history if s.layer == n), ""))
        for n, diff_id in enumerate(diff_ids)
    ]
    return Image(config, layers, index, tags, scans, history, "engine")


def _layer_scans(
    blobs: Blobs,
    refs: list[_Ref],
    diff_ids: list[str],
    name: str,
    options: ReadOptions,
    vouched: Collection[str],
) -> list[LayerScan]:
    """Each layer's scan, checked: every blob exists and has its descriptor's size; a scan from the cache
    answers when the engine vouches for the diff_id or when the blob hashes to the scan's blob digest (a
    hash costs a read, not a walk); every other layer is read in full, and its blob digest and diff_id
    compared with the claims. Reads and hashes run on every CPU when the blobs allow random access (one
    worker per layer: a gzip stream cannot be inflated in parallel, but layers can)."""
    cache = options.cache
    found: dict[int, LayerScan] = {}
    candidates: dict[int, LayerScan] = {}
    for number, ref in enumerate(refs):
        size = blobs.size(ref.key)
        if size is None:
            raise ImageError(
                f"{name}: layer {number + 1} ({ref.key}) is listed in the manifest but {blobs.missing}"
            )
        if ref.size is not None and size != ref.size:
            raise ImageError(
                f"{name}: layer {number + 1} ({ref.key}) is {size} bytes, its descriptor says {ref.size}"
            )
        if cache is None:
            continue
        diff_id = diff_ids[number]
        hit = cache.scan(diff_id) if diff_id in vouched else None
        if hit is not None and hit.diff_id == diff_id:
            found[number] = hit  # the engine's own layer
            continue
        hit = cache.scan(ref.digest or diff_id)
        if hit is not None and (not ref.digest or hit.digest == ref.digest):
            candidates[number] = hit
    try:
        if candidates:
            numbers = list(candidates)
            hashes = _each_layer(blobs, refs, numbers, lambda number: blobs.digest(refs[number].key), options)
            for number, computed in zip(numbers, hashes, strict=True):
                hit = candidates[number]
                if computed == hit.digest:  # the very bytes the entry was made from
                    _check_diff_id(hit.diff_id, diff_ids[number], number, refs[number], name)
                    found[number] = hit
                elif refs[number].digest:
                    _check_digest(computed, refs[number], f"layer {number + 1}", name)
        missing = [number for number in range(len(refs)) if number not in found]
        scans = _each_layer(blobs, refs, missing, lambda number: blobs.scan(refs[number].key, name), options)
    except LayerError as error:
        raise ImageError(f"{name}: {error}") from None
    for number, scan in zip(missing, scans, strict=True):
        ref = refs[number]
        _check_digest(scan.digest, ref, f"layer {number + 1}", name)
        _check_diff_id(scan.diff_id, diff_ids[number], number, ref, name)
        found[number] = scan
        if cache is not None:
            cache.store_scan(scan)
    return [found[number] for number in range(len(refs))]


def _each_layer(
    blobs: Blobs, refs: list[_Ref], numbers: list[int], task: Callable[[int], Any], options: ReadOptions
) -> list[Any]:
    """`[task(number) for number in numbers]`, on every CPU when the blobs allow it."""
    results: dict[int, Any] = {}
    progress = options.progress if blobs.random_access else None  # a stream counts its own bytes
    if blobs.random_access and len(numbers) > 1:
        from dockwise.parallel import map_files

        # largest first, so that one big layer does not finish alone at the end
        order = sorted(numbers, key=lambda number: -(blobs.size(refs[number].key) or 0))
        for number, result in zip(order, map_files(task, order, min_per_worker=1), strict=True):
            results[number] = result
            if progress is not None:
                progress.advance(blobs.size(refs[number].key) or 0)
    else:
        for number in numbers:
            results[number] = task(number)
            if progress is not None:
                progress.advance(blobs.size(refs[number].key) or 0)
    return [results[number] for number in numbers]


def _check_digest(computed: str, ref: _Ref, what: str, name: str) -> None:
    if ref.digest and computed != ref.digest:
        raise ImageError(
            f"{name}: {what} ({ref.key}) does not match its digest (corrupt or forged): "
            f"it hashes to {computed}"
        )


def _check_diff_id(computed: str, expected: str, number: int, ref: _Ref, name: str) -> None:
    if computed != expected:
        raise ImageError(
            f"{name}: layer {number + 1} ({ref.key}) does not match the config's diff_id {expected} "
            f"(corrupt or forged): its tar stream hashes to {computed}"
        )


def _document(blobs: Blobs, ref: _Ref, what: str, name: str) -> bytes:
    """A JSON document a manifest or index names, checked against its descriptor's size and digest."""
    raw = blobs.document(ref.key)
    if raw is None:
        raise ImageError(f"{name}: {what} {ref.key} is missing")
    if ref.size is not None and len(raw) != ref.size:
        raise ImageError(f"{name}: {what} {ref.key} is {len(raw)} bytes, its descriptor says {ref.size}")
    if ref.digest and not _digest_matches(raw, ref.digest):
        raise ImageError(
            f"{name}: {what} {ref.key} does not match its digest {ref.digest} (corrupt or forged)"
        )
    return raw


def _diff_ids(config: dict[str, Any], layers: int, name: str) -> list[str]:
    """The config's `rootfs.diff_ids`: one sha256 per layer the manifest lists, as `docker load` wants."""
    rootfs = config.get("rootfs")
    values = _list(rootfs.get("diff_ids") if isinstance(rootfs, dict) else None, "rootfs.diff_ids", name)
    if len(values) != layers:
        raise ImageError(
            f"{name}: the manifest lists {layers} layer{'s' * (layers != 1)} but the config's "
            f"rootfs.diff_ids has {len(values)}"
        )
    for number, value in enumerate(values):
        if not isinstance(value, str) or not _SHA256.fullmatch(value):
            raise ImageError(
                f"{name}: diff_id {number + 1} in the config is not a sha256 digest: {str(value)[:80]!r}"
            )
    return values


def _resolve_oci(blobs: Blobs, name: str, options: ReadOptions) -> tuple[_Ref, list[_Ref], list[str]]:
    """index.json → (nested indexes) → the image manifest for the platform → config and layer blobs, every
    document checked against its descriptor on the way."""
    document = _json(blobs, "index.json", name)
    tags: list[str] = []
    for _ in range(MAX_INDEX_DEPTH):
        if not isinstance(document, dict):
            raise ImageError(f"{name}: an OCI index or manifest is not a JSON object")
        if "manifests" not in document:
            config = document.get("config")
            if not isinstance(config, dict) or "digest" not in config:
                raise ImageError(f"{name}: the OCI manifest has no config")
            layers = [
                _descriptor(layer, f"layer {number + 1}", name)
                for number, layer in enumerate(_list(document.get("layers"), "layers", name))
            ]
            return _descriptor(config, "the image config", name), layers, tags
        chosen = _pick_manifest(_list(document["manifests"], "manifests", name), name, options)
        annotations = chosen.get("annotations") or {}
        for key in ("io.containerd.image.name", "org.opencontainers.image.ref.name"):
            if isinstance(annotations, dict) and annotations.get(key) and str(annotations[key]) not in tags:
                tags.append(str(annotations[key]))
        ref = _descriptor(chosen, "the manifest", name)
        document = _parse(_document(blobs, ref, "the manifest", name), ref.key, name)
    raise ImageError(f"{name}: image indexes nest deeper than {MAX_INDEX_DEPTH} levels")


def _descriptor(value: Any, what: str, name: str) -> _Ref:
    """An OCI descriptor's blob: a well-formed sha256 digest (the only algorithm images use), and a size."""
    if not isinstance(value, dict):
        raise ImageError(f"{name}: the descriptor of {what} is not a JSON object")
    digest = str(value.get("digest", ""))
    key = _blob_key(digest, name)
    if not _SHA256.fullmatch(digest):
        raise ImageError(f"{name}: {what} has digest {digest[:90]!r}: only sha256 digests are supported")
    size = value.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise ImageError(f"{name}: the descriptor of {what} has a size that is not a byte count: {size!r}")
    return _Ref(key, digest, size)


def _pick_manifest(manifests: list[Any], name: str, options: ReadOptions) -> dict[str, Any]:
    candidates = [
        m
        for m in manifests
        if isinstance(m, dict)
        and (m.get("annotations") or {}).get("vnd.docker.reference.type") != _ATTESTATION
    ]
    if not candidates:
        raise ImageError(f"{name}: the OCI index lists no image")
    if len(candidates) == 1:
        return candidates[0]
    wanted = options.platform or _host_platform()
    platforms = {_platform_name(m.get("platform")): m for m in candidates}
    for platform_name, manifest in platforms.items():
        if platform_name == wanted or platform_name.startswith(f"{wanted}/"):
            return manifest
    raise ImageError(
        f"{name}: no image for {wanted} in the index (it has {', '.join(sorted(platforms))}); "
        f"choose one with --platform"
    )


def _platform_name(value: Any) -> str:
    if not isinstance(value, dict):
        return "unknown"
    parts = [str(value.get("os", "")), str(value.get("architecture", ""))]
    if value.get("variant"):
        parts.append(str(value["variant"]))
    return "/".join(parts)


def _host_platform() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"linux/{arch}"


def _history(config: dict[str, Any], layer_count: int) -> list[HistoryStep]:
    """Pair history steps with layers, skipping the `empty_layer` ones (they made none)."""
    steps = []
    layer = 0
    for item in config.get("history") or []:
        if not isinstance(item, dict):
            continue
        created = _instruction(str(item.get("created_by", "")))
        if item.get("empty_layer") or layer >= layer_count:
            steps.append(HistoryStep(created, None))
        else:
            steps.append(HistoryStep(created, layer))
            layer += 1
    return steps


def _is_command_step(created_by: str) -> bool:
    words = created_by.split()
    return bool(words) and words[0] in ("CMD", "ENTRYPOINT")


def _json(blobs: Blobs, key: str, name: str) -> Any:
    raw = blobs.document(key)
    return None if raw is None else _parse(raw, key, name)


def _parse(raw: bytes, key: str, name: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise ImageError(f"{name}: {key} is not valid JSON: {str(error)[:120]}") from None


def _list(value: Any, what: str, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ImageError(f"{name}: {what} is not a list")
    return value


def _blob_key(digest: str, name: str) -> str:
    algorithm, _, encoded = digest.partition(":")
    if not algorithm.isalnum() or not encoded or not encoded.isalnum():
        raise ImageError(f"{name}: {digest!r} is not a content digest")
    return f"blobs/{algorithm}/{encoded}"


def _digest_of(key: str) -> str:
    """`sha256:<hex>` for members named `blobs/sha256/<hex>` (whose name is their digest), else ""."""
    directory, _, encoded = key.rpartition("/")
    if directory.endswith("blobs/sha256") and len(encoded) == 64:
        return f"sha256:{encoded}"
    return ""


def _digest_matches(data: bytes, digest: str) -> bool:
    import hashlib

    return f"sha256:{hashlib.sha256(data).hexdigest()}" == digest


def _member_name(name: str) -> str:
    """Archive member names as manifests write them (`./x` and `x` are the same member)."""
    cleaned = posixpath.normpath(name)
    if cleaned.startswith(("../", "/")) or cleaned == "..":
        return f"\0{name}"  # never matches a name a manifest can give: outside the archive
    return cleaned


def _archive_member(value: Any, what: str, name: str) -> str:
    """A member name from manifest.json, refused when it is not a name or points outside the archive
    (`../x`, `/x`: Docker resolves them inside its extraction directory, where no image member can be)."""
    if not isinstance(value, str) or not value:
        raise ImageError(f"{name}: manifest.json gives {what} no member name")
    key = _member_name(value)
    if key.startswith("\0"):
        raise ImageError(f"{name}: {what} ({value!r}) points outside the archive")
    return key


def _instruction(created_by: str) -> str:
    for prefix in ("/bin/sh -c #(nop) ", "/bin/sh -c "):
        if created_by.startswith(prefix):
            return created_by[len(prefix) :].strip()
    return created_by.strip()


# --- where blobs come from ------------------------------------------------------------------------------


class _TarBlobs:
    """Members of an uncompressed archive file, read by offset. Each layer is read through its own file
    handle, so that forked workers do not share (and fight over) one file offset."""

    random_access = True
    missing = "not in the archive"

    def __init__(
        self, path: Path, handle: IO[bytes], members: dict[str, tuple[int, int]], options: ReadOptions
    ) -> None:
        self._path = path
        self._handle = handle
        self._members = members
        self._options = options

    def size(self, key: str) -> int | None:
        found = self._members.get(key)
        return None if found is None else found[1]

    def document(self, key: str) -> bytes | None:
        found = self._members.get(key)
        if found is None:
            return None
        offset, size = found
        if size > MAX_JSON_BYTES:
            raise ImageError(f"{self._path}: {key} is {size} bytes, too large for image metadata")
        self._handle.seek(offset)
        return self._handle.read(size)

    def digest(self, key: str) -> str:
        offset, size = self._members[key]
        with self._path.open("rb") as handle:
            handle.seek(offset)
            return sha256_of(Slice(handle, offset, size))

    def scan(self, key: str, name: str) -> LayerScan:
        offset, size = self._members[key]
        with self._path.open("rb") as handle:
            handle.seek(offset)
            try:
                return scan_layer(Slice(handle, offset, size), secrets=self._options.secrets)
            except LayerError as error:
                raise LayerError(f"layer {key}: {error}") from None


class _DirBlobs:
    """Files of an OCI layout directory; names outside `blobs/` and `index.json` are never opened."""

    random_access = True
    missing = "missing from the layout"

    def __init__(self, root: Path, name: str, options: ReadOptions) -> None:
        self._root = root
        self._name = name
        self._options = options

    def _path(self, key: str) -> Path | None:
        if key != "index.json" and not key.startswith("blobs/"):
            return None
        path = self._root / key
        if path.is_symlink() or not path.is_file():
            return None  # a symlinked blob could point anywhere on the machine
        return path

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path is not None else None

    def document(self, key: str) -> bytes | None:
        path = self._path(key)
        if path is None:
            return None
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise ImageError(f"{self._name}: {key} is {size} bytes, too large for image metadata")
        return path.read_bytes()

    def _open(self, key: str, name: str) -> IO[bytes]:
        path = self._path(key)
        if path is None:
            raise ImageError(f"{name}: blob {key} is named by the manifest but {self.missing}")
        return path.open("rb")

    def digest(self, key: str) -> str:
        with self._open(key, self._name) as handle:
            return sha256_of(handle)

    def scan(self, key: str, name: str) -> LayerScan:
        with self._open(key, name) as handle:
            try:
                return scan_layer(handle, secrets=self._options.secrets)
            except LayerError as error:
                raise LayerError(f"layer {key}: {error}") from None


class _StreamBlobs:
    """What a sequential pass kept: raw documents, layer scans, layers that could not be read, the digests
    of members only hashed, and the members skipped."""

    random_access = False
    missing = "not in the archive"

    def __init__(self) -> None:
        self.documents: dict[str, bytes] = {}
        self.scans: dict[str, LayerScan] = {}
        self.errors: dict[str, str] = {}
        self.hashes: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self.skipped: set[str] = set()

    def forget(self, key: str) -> None:
        for kept in (self.documents, self.scans, self.errors, self.hashes, self.sizes):
            kept.pop(key, None)
        self.skipped.discard(key)

    def document(self, key: str) -> bytes | None:
        return self.documents.get(key)

    def size(self, key: str) -> int | None:
        return self.sizes.get(key)

    def digest(self, key: str) -> str:
        if key in self.hashes:
            return self.hashes[key]
        return self.scan(key, "").digest

    def scan(self, key: str, name: str) -> LayerScan:
        if key in self.errors:
            raise LayerError(f"layer {key}: {self.errors[key]}")
        if key not in self.scans and key in self.documents:  # a small layer whose first name starts with {
            try:
                self.scans[key] = scan_layer(io.BytesIO(self.documents[key]))
            except LayerError as error:
                raise LayerError(f"layer {key}: {error}") from None
        if key in self.scans:
            return self.scans[key]
        # only hashed or skipped during the pass: assemble() answers those from the cache or refuses them
        raise ImageError(f"{name}: layer {key} was not kept from the stream")


def chunk_stream(chunks: Iterator[bytes]) -> Readable:
    """A generator of byte chunks (docker-py's `get_image`) as a readable stream."""
    return io.BufferedReader(Chunks(chunks), buffer_size=1 << 20)
