"""Read a ~1 GB image with dockwise and compare with a plain isal decompression of the same layers.

The image is built locally (the Debian base made by scripts/engine-setup, plus copies of its /usr: many
small files, as real images have), saved with `docker save`, and its layers gzip-compressed into an OCI
layout, as a registry would serve them. In one run:

* isal: every gzip layer inflated with `isal.igzip`, the bytes dropped (the floor; reads nothing else);
* dockwise: `open_image` on the layout without the cache: the layer walk, the secret scan of small text
  files, the merged index, and every blob's sha256 and its tar stream's (checked against the manifest's
  digests and the config's diff_ids);
* dockwise on the `docker save` tar itself (uncompressed layers: one hash is both digests);
* the peak RSS of a process that only reads the layout with dockwise.

    python benchmarks/image_read.py [--copies 8] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "src"))
BASE = "dockwise-test/debian:bookworm"


def build_image(copies: int, workdir: Path) -> str:
    from dockwise.engine.buildkit import find_buildkit_client

    client = find_buildkit_client()
    if client is None:
        raise SystemExit("no BuildKit-capable docker client (run scripts/engine-setup)")
    context = workdir / "context"
    context.mkdir()
    steps = "\n".join(f"RUN cp -a /usr /copy{n}" for n in range(copies))
    (context / "Dockerfile").write_text(f"FROM {BASE}\n{steps}\n")
    tag = "dockwise-bench/image-read:latest"
    subprocess.run(
        client.command("--quiet", "--tag", tag, str(context)),
        env=client.environment(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return tag


def save(tag: str, target: Path) -> None:
    with target.open("wb") as handle:
        subprocess.run(["docker", "save", tag], stdout=handle, check=True)


def to_oci_layout(archive: Path, root: Path) -> list[Path]:
    """Rewrite a `docker save` tar as an OCI layout with gzip layers; returns the layer blobs."""
    import hashlib
    import tarfile

    from isal import igzip

    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def put(data: bytes) -> dict[str, object]:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"digest": f"sha256:{digest}", "size": len(data)}

    with tarfile.open(archive) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))[0]  # type: ignore[arg-type]
        config = outer.extractfile(manifest["Config"]).read()  # type: ignore[union-attr]
        layers = []
        for name in manifest["Layers"]:
            plain = outer.extractfile(name).read()  # type: ignore[union-attr]
            layers.append(put(igzip.compress(plain, compresslevel=1)))
    image_manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **put(config)},
            "layers": [
                {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **layer} for layer in layers
            ],
        }
    ).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", **put(image_manifest)}],
    }
    (root / "index.json").write_text(json.dumps(index))
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    return [blobs / str(layer["digest"]).removeprefix("sha256:") for layer in layers]


def time_isal(layers: Sequence[Path]) -> tuple[float, int]:
    from isal import igzip

    total = 0
    start = time.perf_counter()
    for layer in layers:
        with igzip.open(layer, "rb") as stream:  # type: ignore[no-untyped-call]
            while chunk := stream.read(1 << 20):
                total += len(chunk)
    return time.perf_counter() - start, total


def time_dockwise(target: Path) -> tuple[float, int, int]:
    from dockwise.image.archive import ReadOptions, open_image

    start = time.perf_counter()
    image = open_image(str(target), ReadOptions())
    return time.perf_counter() - start, len(image.index.files), sum(len(s.secrets) for s in image.scans)


def peak_rss(target: Path) -> int:
    """Peak RSS in bytes of a fresh process that reads `target` with dockwise (digests checked).

    VmHWM, not getrusage: Linux carries ru_maxrss over an exec, so a child would report the parent's peak.
    """
    code = (
        "import sys; sys.path.insert(0, sys.argv[2]); "
        "from dockwise.image.archive import open_image; open_image(sys.argv[1]); "
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, str(target), str(REPO_ROOT / "src")],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(completed.stdout.split()[-1]) * 1024


def best(runs: int, function, *args):  # type: ignore[no-untyped-def]
    results = [function(*args) for _ in range(runs)]
    return min(results, key=lambda result: result[0])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--copies", type=int, default=8, help="copies of the base's /usr (about 110 MB each)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the saved image and layout in this directory")
    arguments = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="dockwise-bench-"))
    tag = build_image(arguments.copies, workdir)
    try:
        archive = workdir / "image.tar"
        save(tag, archive)
        layout = workdir / "layout"
        layers = to_oci_layout(archive, layout)
        compressed = sum(layer.stat().st_size for layer in layers)
        isal_time, plain = best(arguments.runs, time_isal, layers)
        walk_time, files, secrets = best(arguments.runs, time_dockwise, layout)
        tar_time, _, _ = best(arguments.runs, time_dockwise, archive)
        rss = peak_rss(layout)
        print(
            f"{datetime.date.today().isoformat()} on {platform.platform()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}"
        )
        print(
            f"image: {len(layers)} layers, {plain / 1e6:.0f} MB uncompressed, "
            f"{compressed / 1e6:.0f} MB gzip, {files:,} paths in the final filesystem, "
            f"{secrets} secret findings"
        )
        print(f"  isal inflate only                 {isal_time:5.2f} s  {plain / isal_time / 1e6:6.0f} MB/s")
        print(
            f"  dockwise, walk + both digests     {walk_time:5.2f} s  {plain / walk_time / 1e6:6.0f} MB/s  "
            f"{isal_time / walk_time:.0%} of isal's throughput"
        )
        print(
            f"  dockwise, the docker save tar     {tar_time:5.2f} s  {plain / tar_time / 1e6:6.0f} MB/s "
            "(uncompressed layers, read and hashed)"
        )
        print(f"  peak RSS reading the layout: {rss / 1e6:.0f} MB")
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], check=False, stdout=subprocess.DEVNULL)
        if arguments.keep:
            shutil.copytree(workdir, arguments.keep, dirs_exist_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
