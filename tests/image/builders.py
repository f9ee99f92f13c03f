"""Archives and layouts the image tests build: layer tars, `docker save` archives (legacy and Docker 25+
style) and OCI layouts, with every member under the test's control."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

Files = list[tuple[str, bytes | None]]
"""(path, content); None content makes a directory."""


def layer_tar(files: Files) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, content in files:
            info = tarfile.TarInfo(name)
            if content is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def tar_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def config_document(layers: int, history: list[str] | None = None, **runtime: Any) -> dict[str, Any]:
    steps = history if history is not None else [f"RUN step {n}" for n in range(layers)]
    return {
        "architecture": "amd64",
        "os": "linux",
        "config": {"User": "", "Env": ["PATH=/usr/bin"], **runtime},
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{n:064x}" for n in range(layers)]},
        "history": [_step(command) for command in steps],
    }


_METADATA = ("CMD", "ENTRYPOINT", "ENV", "LABEL", "USER", "EXPOSE", "WORKDIR", "HEALTHCHECK", "ARG")


def _step(command: str) -> dict[str, Any]:
    """A history entry; metadata instructions make no layer (`empty_layer`), as the engine records them."""
    if command.split(" ", 1)[0] in _METADATA:
        return {"created_by": f"/bin/sh -c #(nop) {command}", "empty_layer": True}
    return {"created_by": f"/bin/sh -c {command}"}


def write_archive(
    path: Path,
    layers: list[bytes],
    history: list[str],
    extra: dict[str, bytes] | None = None,
    config: dict[str, Any] | None = None,
) -> Path:
    """A `docker save` archive: manifest.json, a config (with the layers' true diff_ids unless `config` is
    given) and the layers as `blobs/sha256/layerN`."""
    names = [f"blobs/sha256/layer{number}" for number in range(len(layers))]
    document = config or config_document(len(layers), history)
    if config is None:
        document["rootfs"]["diff_ids"] = [diff_id(layer) for layer in layers]
    manifest = [{"Config": "blobs/sha256/config", "RepoTags": ["test:1"], "Layers": names}]
    members = {
        "manifest.json": json.dumps(manifest).encode(),
        "blobs/sha256/config": json.dumps(document).encode(),
    }
    members.update(zip(names, layers, strict=True))
    members.update(extra or {})
    path.write_bytes(tar_of(members))
    return path


def digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def diff_id(layer: bytes) -> str:
    """The digest of a layer's uncompressed tar stream; of the blob itself when it does not decompress (the
    hostile tests' broken layers, refused before their diff_id is compared)."""
    try:
        return digest(_plain(layer))
    except Exception:
        return digest(layer)


class OciLayout:
    """An OCI image layout being assembled: blobs by digest, then index.json."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def blob(self, data: bytes) -> dict[str, Any]:
        key = digest(data)
        self.blobs[key] = data
        return {"digest": key, "size": len(data)}

    def image(
        self,
        layers: list[bytes],
        history: list[str] | None = None,
        platform: str = "linux/amd64",
        **runtime: Any,
    ) -> dict[str, Any]:
        """Add an image; returns its manifest descriptor (for an index)."""
        os_name, architecture = platform.split("/")[:2]
        config = config_document(len(layers), history, **runtime)
        config["os"], config["architecture"] = os_name, architecture
        config["rootfs"]["diff_ids"] = [diff_id(layer) for layer in layers]
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                **self.blob(json.dumps(config).encode()),
            },
            "layers": [
                {"mediaType": "application/vnd.oci.image.layer.v1.tar", **self.blob(layer)}
                for layer in layers
            ],
        }
        descriptor = {"mediaType": manifest["mediaType"], **self.blob(json.dumps(manifest).encode())}
        descriptor["platform"] = {"os": os_name, "architecture": architecture}
        return descriptor

    def index(self, manifests: list[dict[str, Any]]) -> bytes:
        return json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": manifests,
            }
        ).encode()

    def members(self, index: bytes) -> dict[str, bytes]:
        members = {"oci-layout": b'{"imageLayoutVersion": "1.0.0"}', "index.json": index}
        for key, data in self.blobs.items():
            members[f"blobs/sha256/{key.removeprefix('sha256:')}"] = data
        return members

    def write_directory(self, root: Path, index: bytes) -> Path:
        for name, data in self.members(index).items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return root

    def write_tar(self, path: Path, index: bytes) -> Path:
        path.write_bytes(tar_of(self.members(index)))
        return path


def _plain(layer: bytes) -> bytes:
    from dockwise.image.streams import compression_of

    if compression_of(layer[:4]) == "gzip":
        import gzip

        return gzip.decompress(layer)
    if compression_of(layer[:4]) == "zstd":
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(layer), read_across_frames=True)
        return reader.read()
    return layer
