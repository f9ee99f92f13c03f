"""Image rule fixtures: a small JSON description of an image, built into a `docker save` archive.

{"config": {"User": "", "Healthcheck": {"Test": ["NONE"]}},
 "layers": [[{"path": "bin/sh", "size": 10, "mode": "0755"}, {"path": "tmp", "type": "dir"},
             {"path": "lib", "type": "symlink", "target": "usr/lib"}], ...]}
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any


def _digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def build_archive(description: dict[str, Any], target: Path) -> Path:
    layers = []
    for files in description.get("layers", []):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as layer:
            for item in files:
                info = tarfile.TarInfo(item["path"])
                info.mode = int(str(item.get("mode", "0644")), 8)
                if item.get("type") in ("dir", "symlink"):
                    info.type = tarfile.DIRTYPE if item["type"] == "dir" else tarfile.SYMTYPE
                    info.linkname = str(item.get("target", ""))
                    layer.addfile(info)
                else:
                    data = (
                        str(item["content"]).encode()
                        if "content" in item
                        else b"\0" * int(item.get("size", 0))
                    )
                    info.size = len(data)
                    layer.addfile(info, io.BytesIO(data))
        layers.append(buffer.getvalue())
    names = [f"layer{number}.tar" for number in range(len(layers))]
    config = {
        "config": description.get("config", {}),
        "rootfs": {"type": "layers", "diff_ids": [_digest(layer) for layer in layers]},
        "history": [{"created_by": f"/bin/sh -c step {n}"} for n in range(len(layers))],
    }
    manifest = [{"Config": "config.json", "RepoTags": ["fixture:1"], "Layers": names}]
    contents = {"manifest.json": json.dumps(manifest).encode(), "config.json": json.dumps(config).encode()}
    contents.update(zip(names, layers, strict=True))
    with tarfile.open(target, mode="w") as archive:
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return target
