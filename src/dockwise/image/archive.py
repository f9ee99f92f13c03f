"""Images from `docker save` archives: the legacy layout and the OCI layout Docker 25+ writes inside it
(both carry `manifest.json`), read in one pass over the layers without extracting anything.

The config gives the user, health check, environment, labels and history; history entries are paired
with layers by skipping the `empty_layer` ones, so each layer knows the instruction that made it.
"""

from __future__ import annotations

import io
import json
import posixpath
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from dockwise.image.layers import LayerError, LayerIndex, layer_entries

MAX_JSON_BYTES = 16 * 1024 * 1024


class ImageError(ValueError):
    """An archive that is not a readable image."""


@dataclass(frozen=True)
class Layer:
    digest: str
    created_by: str
    """The instruction that made the layer (history), without BuildKit's `/bin/sh -c` prefix."""


@dataclass
class Image:
    """An image read from an archive: its config and the merged file index."""

    config: dict[str, Any]
    layers: list[Layer]
    index: LayerIndex
    tags: list[str] = field(default_factory=list)

    @property
    def runtime(self) -> dict[str, Any]:
        """The image's run configuration (`config` in the image config JSON)."""
        value = self.config.get("config") or {}
        return value if isinstance(value, dict) else {}


def read_docker_archive(path: Path) -> Image:
    """Read a `docker save` tar file: config, history and every layer, once, streamed."""
    try:
        with path.open("rb") as handle:
            return read_image_stream(handle, str(path))
    except OSError as error:
        raise ImageError(f"{path}: not a docker save archive: {error.strerror or error}") from None


def read_image_stream(stream: IO[bytes], name: str) -> Image:
    """Read a `docker save` stream in one sequential pass (the engine's stream needs no temporary copy).

    Members come in any order: JSON documents are kept, every other blob is read as a layer (its tar
    headers only, never its contents), and the layers are stacked in manifest order at the end.
    """
    documents: dict[str, Any] = {}
    layer_headers: dict[str, list[tarfile.TarInfo]] = {}
    try:
        with tarfile.open(fileobj=stream, mode="r|") as outer:
            for member in outer:
                if not member.isfile():
                    continue
                key = _member_name(member.name)
                content = outer.extractfile(member)
                if content is None:
                    continue
                head = content.read(1)
                if head in (b"{", b"["):
                    if member.size > MAX_JSON_BYTES:
                        raise ImageError(
                            f"{name}: {key} is {member.size} bytes, too large for image metadata"
                        )
                    try:
                        documents[key] = json.loads(head + content.read())
                    except ValueError:
                        continue  # not metadata after all
                elif key.endswith((".json", "/VERSION", "repositories")):
                    continue
                else:
                    try:
                        layer_headers[key] = list(layer_entries(io.BufferedReader(_Joined(head, content))))
                    except LayerError as error:
                        layer_headers[key] = [_Broken(str(error))]  # reported if the manifest lists it
    except (tarfile.TarError, EOFError, OSError) as error:
        raise ImageError(f"{name}: not a docker save archive: {error}") from None
    manifest = documents.get("manifest.json")
    if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
        raise ImageError(f"{name}: manifest.json is missing or does not describe an image")
    entry = manifest[0]
    config = documents.get(_member_name(str(entry.get("Config", ""))))
    if not isinstance(config, dict):
        raise ImageError(f"{name}: the image config is missing or not a JSON object")
    history = [h for h in config.get("history") or [] if isinstance(h, dict) and not h.get("empty_layer")]
    diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
    index = LayerIndex()
    layers = []
    for number, layer_name in enumerate(str(n) for n in entry.get("Layers") or []):
        headers = layer_headers.get(_member_name(layer_name))
        if headers is None:
            raise ImageError(f"{name}: layer {layer_name} is listed in manifest.json but not in the archive")
        if headers and isinstance(headers[0], _Broken):
            raise ImageError(f"{name}: layer {number + 1} ({layer_name}): {headers[0].reason}")
        try:
            index.add_layer(headers)
        except LayerError as error:
            raise ImageError(f"{name}: layer {number + 1} ({layer_name}): {error}") from None
        created = str(history[number].get("created_by", "")) if number < len(history) else ""
        digest = str(diff_ids[number]) if number < len(diff_ids) else layer_name
        layers.append(Layer(digest, _instruction(created)))
    return Image(config, layers, index, [str(tag) for tag in entry.get("RepoTags") or []])


def read_engine_image(reference: str) -> Image:
    """Read an image from the engine behind DOCKER_HOST, streaming `docker save` through docker-py."""
    try:
        import docker
        import docker.errors
    except ImportError:
        raise ImageError("reading from an engine needs docker-py (pip install docker)") from None
    try:
        client = docker.from_env()
        client.images.get(reference)  # a clear "no such image" before the stream starts
        chunks = client.api.get_image(reference)
        return read_image_stream(io.BufferedReader(_ChunkStream(chunks)), reference)
    except docker.errors.ImageNotFound:
        raise ImageError(f"{reference}: no such image in the engine") from None
    except docker.errors.DockerException as error:
        raise ImageError(f"{reference}: the engine does not answer: {error}") from None


class _Broken(tarfile.TarInfo):
    """Stands for a blob that was not a readable layer (an error only if the manifest lists it)."""

    def __init__(self, reason: str) -> None:
        super().__init__("")
        self.reason = reason


class _Joined(io.RawIOBase):
    """The first byte already read, then the rest of the member."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data, self._head = self._head, b""
        if size < 0:
            return data + self._rest.read()
        return data + self._rest.read(size - len(data)) if size > len(data) else data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _ChunkStream(io.RawIOBase):
    """docker-py's chunk generator as a readable stream."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _member_name(name: str) -> str:
    """Archive member names as manifest.json writes them (`./x` and `x` are the same member)."""
    cleaned = posixpath.normpath(name)
    if cleaned.startswith(("../", "/")) or cleaned == "..":
        return f"\0{name}"  # never matches a name the manifest can give: outside the archive
    return cleaned


def _instruction(created_by: str) -> str:
    for prefix in ("/bin/sh -c #(nop) ", "/bin/sh -c "):
        if created_by.startswith(prefix):
            return created_by[len(prefix) :].strip()
    return created_by.strip()
