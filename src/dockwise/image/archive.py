"""Images from files: `docker save` archives (the legacy layout and the OCI layout Docker 25+ writes inside
it), OCI image layouts (a directory or a tar of one), plain or compressed; and the assembly shared with the
engine reader (`dockwise.engine.images`).

An uncompressed archive file is read by seeking: its member index first, then the manifest and config,
then each layer once. A compressed archive or a stream is read in one sequential pass. Layers are walked
once each and never extracted (`layers.scan_layer`); blobs named by digest are checked against it.
"""

from __future__ import annotations

import io
import json
import os
import platform
import posixpath
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from dockwise.image.cache import LayerCache
from dockwise.image.layers import LayerError, LayerIndex, LayerScan, scan_layer
from dockwise.image.streams import (
    Chunks,
    Counting,
    Prefixed,
    Slice,
    compression_of,
    decompressing,
    is_codec_error,
)
from dockwise.image.tarwalk import Readable, TarError, walk_tar

MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_INDEX_DEPTH = 4
"""Image indexes may nest (an index of indexes); deeper than this is refused as a loop or an attack."""

_ATTESTATION = "attestation-manifest"


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
    digests: bool = True
    """Hash every blob while reading it: blobs named by digest are checked, and the cache can keep them."""


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


def read_image_stream(stream: Readable, name: str, options: ReadOptions, total: int | None = None) -> Image:
    """Read an archive in one sequential pass (an engine's `docker save` stream, a compressed file).

    Members come in any order: JSON documents are kept, every other blob is scanned as a layer (unless
    the cache already holds the digest it is named by), and the image is assembled at the end.
    """
    if options.progress is not None:
        options.progress.start(total)
        stream = Counting(stream, options.progress.advance)
    blobs = _StreamBlobs()
    try:
        for entry, member in walk_tar(stream):
            if entry.type not in tarfile.REGULAR_TYPES:
                continue
            key = _member_name(entry.name)
            claimed = _digest_of(key)
            if claimed and options.cache is not None and options.cache.scan(claimed) is not None:
                continue  # assemble() takes it from the cache
            first = member.read(1)
            if first in (b"{", b"[") and entry.size <= MAX_JSON_BYTES:
                raw = first + member.read()
                blobs.documents[key] = raw
                continue
            try:
                blobs.scans[key] = scan_layer(
                    Prefixed(first, member), secrets=options.secrets, digest=options.digests
                )
            except LayerError as error:
                blobs.errors[key] = str(error)  # reported if the manifest lists it
    except TarError as error:
        raise ImageError(f"{name}: not an image archive: {error}") from None
    except Exception as error:
        if isinstance(error, (OSError, EOFError)) or is_codec_error(error):
            raise ImageError(f"{name}: cannot read: {error}") from None
        raise
    return assemble(blobs, name, options, "docker-archive")


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

    def document(self, key: str) -> bytes | None: ...

    def scan(self, key: str, name: str) -> LayerScan: ...

    def size(self, key: str) -> int: ...


def assemble(blobs: Blobs, name: str, options: ReadOptions, layout: str) -> Image:
    """Manifest → config → layers, from a docker manifest.json or an OCI index.json."""
    manifest = _json(blobs, "manifest.json", name)
    if isinstance(manifest, list) and manifest and isinstance(manifest[0], dict):
        entry = manifest[0]
        config_key = _member_name(str(entry.get("Config", "")))
        layer_keys = [_member_name(str(layer)) for layer in _list(entry.get("Layers"), "Layers", name)]
        tags = [str(tag) for tag in entry.get("RepoTags") or []]
    elif manifest is None and blobs.document("index.json") is not None:
        config_key, layer_keys, tags = _resolve_oci(blobs, name, options)
        layout = "oci-layout" if layout == "oci-layout" else "oci-archive"
    else:
        raise ImageError(f"{name}: manifest.json is missing or does not describe an image")
    raw_config = blobs.document(config_key)
    if raw_config is None:
        raise ImageError(f"{name}: the image config {config_key} is missing")
    config = _parse(raw_config, config_key, name)
    if not isinstance(config, dict):
        raise ImageError(f"{name}: the image config is not a JSON object")
    expected = _digest_of(config_key)
    if expected and not _digest_matches(raw_config, expected):
        raise ImageError(f"{name}: the image config does not match its digest {expected}")
    if options.cache is not None:
        options.cache.store_config(raw_config)
    diff_ids = [str(d) for d in _list((config.get("rootfs") or {}).get("diff_ids"), "diff_ids", name)]
    history = _history(config, len(layer_keys))
    index = LayerIndex()
    layers = []
    scans = _layer_scans(blobs, layer_keys, diff_ids, name, options)
    for number, (key, scan) in enumerate(zip(layer_keys, scans, strict=True)):
        try:
            index.add_layer(scan.entries)
        except LayerError as error:
            raise ImageError(f"{name}: layer {number + 1} ({key}): {error}") from None
        created = next((step.created_by for step in history if step.layer == number), "")
        digest = diff_ids[number] if number < len(diff_ids) else (_digest_of(key) or key)
        layers.append(Layer(digest, created))
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
    blobs: Blobs, keys: list[str], diff_ids: list[str], name: str, options: ReadOptions
) -> list[LayerScan]:
    """Each layer's scan: from the cache, else read, on every CPU when the blobs allow random access
    (one worker per layer: a gzip stream cannot be inflated in parallel, but layers can)."""
    cache = options.cache
    found: dict[int, LayerScan] = {}
    if cache is not None:
        for number, key in enumerate(keys):
            diff_id = diff_ids[number] if number < len(diff_ids) else ""
            for candidate in (_digest_of(key), diff_id):
                cached = cache.scan(candidate) if candidate else None
                if cached is not None:
                    found[number] = cached
                    break
    missing = [number for number in range(len(keys)) if number not in found]
    try:
        if blobs.random_access and len(missing) > 1:
            from dockwise.parallel import map_files

            # largest first, so that one big layer does not finish alone at the end
            order = sorted(missing, key=lambda number: -blobs.size(keys[number]))
            read = map_files(lambda number: blobs.scan(keys[number], name), order, min_per_worker=1)
            for number, scan in zip(order, read, strict=True):
                if options.progress is not None:
                    options.progress.advance(blobs.size(keys[number]))
                found[number] = scan
        else:
            for number in missing:
                found[number] = blobs.scan(keys[number], name)
                if options.progress is not None and blobs.random_access:
                    options.progress.advance(blobs.size(keys[number]))
    except LayerError as error:
        raise ImageError(f"{name}: {error}") from None
    for number in missing:
        scan, claimed = found[number], _digest_of(keys[number])
        if claimed and scan.digest and scan.digest != claimed:
            raise ImageError(
                f"{name}: layer {keys[number]} does not match its digest (corrupt or forged): {scan.digest}"
            )
        if cache is not None:
            cache.store_scan(scan)
    return [found[number] for number in range(len(keys))]


def _resolve_oci(blobs: Blobs, name: str, options: ReadOptions) -> tuple[str, list[str], list[str]]:
    """index.json → (nested indexes) → the image manifest for the platform → config and layer keys."""
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
                _blob_key(str(layer.get("digest", "")), name)
                for layer in _list(document.get("layers"), "layers", name)
                if isinstance(layer, dict)
            ]
            return _blob_key(str(config["digest"]), name), layers, tags
        descriptor = _pick_manifest(_list(document["manifests"], "manifests", name), name, options)
        annotations = descriptor.get("annotations") or {}
        for key in ("io.containerd.image.name", "org.opencontainers.image.ref.name"):
            if isinstance(annotations, dict) and annotations.get(key) and str(annotations[key]) not in tags:
                tags.append(str(annotations[key]))
        document = _json(blobs, _blob_key(str(descriptor.get("digest", "")), name), name)
        if document is None:
            raise ImageError(f"{name}: blob {descriptor.get('digest')} named by the index is missing")
    raise ImageError(f"{name}: image indexes nest deeper than {MAX_INDEX_DEPTH} levels")


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

    def __init__(
        self, path: Path, handle: IO[bytes], members: dict[str, tuple[int, int]], options: ReadOptions
    ) -> None:
        self._path = path
        self._handle = handle
        self._members = members
        self._options = options

    def size(self, key: str) -> int:
        return self._members.get(key, (0, 0))[1]

    def document(self, key: str) -> bytes | None:
        found = self._members.get(key)
        if found is None:
            return None
        offset, size = found
        if size > MAX_JSON_BYTES:
            raise ImageError(f"{self._path}: {key} is {size} bytes, too large for image metadata")
        self._handle.seek(offset)
        return self._handle.read(size)

    def scan(self, key: str, name: str) -> LayerScan:
        found = self._members.get(key)
        if found is None:
            raise ImageError(f"{name}: layer {key} is listed in the manifest but not in the archive")
        offset, size = found
        options = self._options
        # a blob named by its digest is hashed to check it, one the cache will keep to key it; the others
        # (legacy `<id>/layer.tar` names, uncompressed) are walked by seeking past their contents
        digest = options.digests and (bool(_digest_of(key)) or options.cache is not None)
        with self._path.open("rb") as handle:
            handle.seek(offset)
            try:
                return scan_layer(Slice(handle, offset, size), size, secrets=options.secrets, digest=digest)
            except LayerError as error:
                raise LayerError(f"layer {key}: {error}") from None


class _DirBlobs:
    """Files of an OCI layout directory; names outside `blobs/` and `index.json` are never opened."""

    random_access = True

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

    def size(self, key: str) -> int:
        path = self._path(key)
        return path.stat().st_size if path is not None else 0

    def document(self, key: str) -> bytes | None:
        path = self._path(key)
        if path is None:
            return None
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise ImageError(f"{self._name}: {key} is {size} bytes, too large for image metadata")
        return path.read_bytes()

    def scan(self, key: str, name: str) -> LayerScan:
        path = self._path(key)
        if path is None:
            raise ImageError(f"{name}: blob {key} is named by the manifest but missing from the layout")
        with path.open("rb") as handle:
            try:
                return scan_layer(handle, secrets=self._options.secrets, digest=self._options.digests)
            except LayerError as error:
                raise LayerError(f"layer {key}: {error}") from None


class _StreamBlobs:
    """What a sequential pass kept: raw documents, layer scans, and layers that could not be read."""

    random_access = False

    def __init__(self) -> None:
        self.documents: dict[str, bytes] = {}
        self.scans: dict[str, LayerScan] = {}
        self.errors: dict[str, str] = {}

    def document(self, key: str) -> bytes | None:
        return self.documents.get(key)

    def scan(self, key: str, name: str) -> LayerScan:
        if key in self.errors:
            raise LayerError(f"layer {key}: {self.errors[key]}")
        if key in self.scans:
            return self.scans[key]
        if key in self.documents:  # a small layer whose first file name starts with { or [
            return scan_layer(io.BytesIO(self.documents[key]))
        raise ImageError(f"{name}: layer {key} is listed in the manifest but not in the archive")

    def size(self, key: str) -> int:
        return 0


def chunk_stream(chunks: Iterator[bytes]) -> Readable:
    """A generator of byte chunks (docker-py's `get_image`) as a readable stream."""
    return io.BufferedReader(Chunks(chunks), buffer_size=1 << 20)
