"""Images from `docker save` archives: the legacy layout and the OCI layout Docker 25+ writes inside it
(both carry `manifest.json`), read in one pass over the layers without extracting anything.

The config gives the user, health check, environment, labels and history; history entries are paired
with layers by skipping the `empty_layer` ones, so each layer knows the instruction that made it.
"""

from __future__ import annotations

import json
import posixpath
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    """Read a `docker save` tar: config, history and every layer, once, streamed."""
    try:
        outer = tarfile.open(path, mode="r:")  # noqa: SIM115 - closed by the with below; open errors first
    except (OSError, tarfile.TarError) as error:
        raise ImageError(f"{path}: not a docker save archive: {error}") from None
    with outer:
        members = {_member_name(member.name): member for member in outer.getmembers()}
        manifest = _json(outer, members, "manifest.json", path)
        if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
            raise ImageError(f"{path}: manifest.json does not describe an image")
        entry = manifest[0]
        config = _json(outer, members, str(entry.get("Config", "")), path)
        if not isinstance(config, dict):
            raise ImageError(f"{path}: the image config is not a JSON object")
        layer_names = [str(name) for name in entry.get("Layers") or []]
        history = [h for h in config.get("history") or [] if isinstance(h, dict) and not h.get("empty_layer")]
        diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
        index = LayerIndex()
        layers = []
        for number, name in enumerate(layer_names):
            member = members.get(_member_name(name))
            if member is None or not member.isfile():
                raise ImageError(f"{path}: layer {name} is listed in manifest.json but not in the archive")
            stream = outer.extractfile(member)
            if stream is None:
                raise ImageError(f"{path}: layer {name} cannot be read")
            try:
                index.add_layer(layer_entries(stream))
            except LayerError as error:
                raise ImageError(f"{path}: layer {number + 1} ({name}): {error}") from None
            created = str(history[number].get("created_by", "")) if number < len(history) else ""
            digest = str(diff_ids[number]) if number < len(diff_ids) else name
            layers.append(Layer(digest, _instruction(created)))
        tags = [str(tag) for tag in entry.get("RepoTags") or []]
        return Image(config, layers, index, tags)


def _member_name(name: str) -> str:
    """Archive member names as manifest.json writes them (`./x` and `x` are the same member)."""
    cleaned = posixpath.normpath(name)
    if cleaned.startswith(("../", "/")) or cleaned == "..":
        return f"\0{name}"  # never matches a name the manifest can give: outside the archive
    return cleaned


def _json(outer: tarfile.TarFile, members: dict[str, tarfile.TarInfo], name: str, path: Path) -> Any:
    member = members.get(_member_name(name)) if name else None
    if member is None or not member.isfile():
        raise ImageError(f"{path}: {name or 'the config'} is missing from the archive")
    if member.size > MAX_JSON_BYTES:
        raise ImageError(f"{path}: {name} is {member.size} bytes, too large for image metadata")
    stream = outer.extractfile(member)
    if stream is None:
        raise ImageError(f"{path}: {name} cannot be read")
    try:
        return json.loads(stream.read())
    except ValueError as error:
        raise ImageError(f"{path}: {name} is not JSON: {error}") from None


def _instruction(created_by: str) -> str:
    for prefix in ("/bin/sh -c #(nop) ", "/bin/sh -c "):
        if created_by.startswith(prefix):
            return created_by[len(prefix) :].strip()
    return created_by.strip()
