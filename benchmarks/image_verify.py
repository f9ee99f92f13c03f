"""What verifying layers costs: a synthetic ~1 GB image read cold, and warm with and without verification.

The image is made here, in a temporary directory, from nothing but Python: eight layers of about 128 MiB
each (text, binary and sparse files, small config files, symlinks and hardlinks, one private key), as an
OCI layout with gzip layers (as registries serve them) and as a `docker save` tar (uncompressed layers
named `blobs/sha256/<diff_id>`, as Docker 25+ writes them). Each figure is the best of `--runs` reads
(`--warm-runs` for warm ones, which take milliseconds), each with a fresh `LayerCache` over the same cache
directory, in one child process per variant and state:

* cold: an empty cache: every layer walked, hashed (blob and diff_id) and stored;
* warm, unverified (as before): the code at `--baseline` (a git revision, e.g. the commit before layer
  verification), whose cache answered for the digests an archive claims without reading the layer;
* warm, verified: this tree: each layer's blob is hashed (not inflated, not walked) and must match the
  cached scan's blob digest before the cache answers.

With `--engine`, the tar is also `docker load`ed into the engine behind DOCKER_HOST and read from there
cold (streamed) and warm (config and layers all in the cache: the engine vouches for its diff_ids, nothing
is streamed), by the baseline and by this tree; the image is removed afterwards.

    python benchmarks/image_verify.py [--baseline REV] [--engine] [--runs 3] [--warm-runs 10] [--layers 8]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
LAYER_BYTES = 128 << 20
KEY = (
    b"-----BEGIN OPENSSH PRIVATE KEY-----\n"
    b"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    b"QyNTUxOQAAACDzTz3f4kDhGVn0aE3hMdLuqTNKNHmqAIqEuYnkK1UQCgAAAJgAAAAAAAAA\n"
    b"-----END OPENSSH PRIVATE KEY-----\n"
)
TAG = "dockwise-bench/image-verify:latest"

# --- the synthetic image --------------------------------------------------------------------------------


def _sources(seed: int) -> tuple[bytes, bytes]:
    """16 MiB of word text (config files, scripts: compresses about 3:1), and 16 MiB shaped like compiled
    code (runs of random bytes, text and zeros: about 2:1)."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz_"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 12))) for _ in range(3000)]
    lines = []
    size = 0
    while size < 16 << 20:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 16))) + "\n"
        lines.append(line)
        size += len(line)
    text = "".join(lines).encode()
    parts = []
    size = 0
    while size < 16 << 20:
        start = rng.randrange(0, len(text) - 4096)
        parts += [rng.randbytes(rng.randint(64, 600)), text[start : start + rng.randint(256, 2048)]]
        parts.append(bytes(rng.randint(64, 1024)))
        size += sum(len(part) for part in parts[-3:])
    return text, b"".join(parts)


def make_layer(number: int, text: bytes, binary: bytes) -> bytes:
    """About LAYER_BYTES under /layerN, shaped like a distribution's /usr: many small text files (200 B to
    64 KiB, read by the secret scan) and fewer large binaries (4 KiB to 4 MiB, ELF-like, skipped by it)
    holding most of the bytes; a symlink every 25 files, a hardlink every 50."""
    rng = random.Random(number)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        written = 0
        directory = f"layer{number}"
        count = 0
        while written < LAYER_BYTES:
            if count % 40 == 0:
                directory = f"layer{number}/d{count // 40}/sub{rng.randint(0, 9)}"
                info = tarfile.TarInfo(directory)
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            if rng.random() < 0.75:
                size = int(200 * 2 ** rng.uniform(0, 8.4))
                start = rng.randrange(0, len(text) - size)
                data, name = text[start : start + size], f"{directory}/f{count}.conf"
            else:
                size = int(4096 * 2 ** rng.uniform(0, 10))
                start = rng.randrange(0, len(binary) - size)
                data, name = (
                    b"\x7fELF\x02\x01\x01\x00" + binary[start : start + size],
                    f"{directory}/f{count}.so",
                )
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
            if count % 25 == 0:
                link = tarfile.TarInfo(f"{name}.lnk")
                link.type, link.linkname = tarfile.SYMTYPE, os.path.basename(name)
                archive.addfile(link)
            if count % 50 == 0:
                hard = tarfile.TarInfo(f"{name}.hard")
                hard.type, hard.linkname = tarfile.LNKTYPE, name
                archive.addfile(hard)
            written += len(data)
            count += 1
        if number == 0:
            info = tarfile.TarInfo("root/.ssh/id_ed25519")
            info.size, info.mode = len(KEY), 0o600
            archive.addfile(info, io.BytesIO(KEY))
    return buffer.getvalue()


def _digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def build_image(root: Path, layers: int) -> tuple[Path, Path, int, int]:
    """(OCI layout, docker save tar, uncompressed bytes, gzip bytes)."""
    from isal import igzip

    text, binary = _sources(7)
    plain = [make_layer(number, text, binary) for number in range(layers)]
    packed = [igzip.compress(layer, compresslevel=1) for layer in plain]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"User": "10001", "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": [_digest(layer) for layer in plain]},
        "history": [{"created_by": f"/bin/sh -c make layer {n}"} for n in range(layers)],
    }
    raw_config = json.dumps(config).encode()

    layout = root / "layout"
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def put(data: bytes) -> dict[str, Any]:
        (blobs / _digest(data)[7:]).write_bytes(data)
        return {"digest": _digest(data), "size": len(data)}

    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **put(raw_config)},
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **put(layer)} for layer in packed
        ],
    }
    index = {
        "schemaVersion": 2,
        "manifests": [{"mediaType": manifest["mediaType"], **put(json.dumps(manifest).encode())}],
    }
    (layout / "index.json").write_text(json.dumps(index))
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')

    archive = root / "image.tar"
    names = [f"blobs/sha256/{_digest(layer)[7:]}" for layer in plain]
    config_name = f"blobs/sha256/{_digest(raw_config)[7:]}"
    entries = {
        **dict(zip(names, plain, strict=True)),
        config_name: raw_config,
        "manifest.json": json.dumps([{"Config": config_name, "RepoTags": [TAG], "Layers": names}]).encode(),
    }
    with tarfile.open(archive, "w") as outer:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            outer.addfile(info, io.BytesIO(data))
    return layout, archive, sum(map(len, plain)), sum(map(len, packed))


# --- one measurement, in a child process ----------------------------------------------------------------


def measure(source: Path, target: str, cache_dir: Path, runs: int, warm: bool) -> dict[str, Any]:
    """Best of `runs` reads of `target` with the dockwise found in `source`, each with a fresh LayerCache
    over `cache_dir` (warmed by one read first when `warm`, emptied before each read otherwise)."""
    sys.path.insert(0, str(source))
    from dockwise.image.archive import ReadOptions, open_image
    from dockwise.image.cache import LayerCache

    if warm:
        open_image(target, ReadOptions(cache=LayerCache(cache_dir)))
    times, cpu = [], []
    for _ in range(runs):
        if not warm:
            shutil.rmtree(cache_dir, ignore_errors=True)
        cache = LayerCache(cache_dir)
        started, used = time.perf_counter(), _cpu_seconds()
        image = open_image(target, ReadOptions(cache=cache))
        times.append(time.perf_counter() - started)
        cpu.append(_cpu_seconds() - used)
    return {
        "seconds": min(times),
        "cpu": min(cpu),
        "paths": len(image.index.files),
        "secrets": sum(len(scan.secrets) for scan in image.scans),
        "hits": cache.hits,
    }


def _cpu_seconds() -> float:
    """User and system time of this process and of its finished children (the layer workers): on a shared
    machine, less at the mercy of other processes than wall-clock time."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child(source: Path, target: str, cache_dir: Path, runs: int, warm: bool) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", str(source), target, str(cache_dir), str(runs), str(int(warm))],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(completed.stdout.splitlines()[-1])
    return result


def baseline_source(revision: str, workdir: Path) -> Path:
    """`src/` as it was at `revision`, exported from git (no checkout is touched)."""
    target = workdir / f"baseline-{revision}"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", revision, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as exported:
        exported.extractall(target, filter="data")
    return target / "src"


# --- the run ----------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--baseline", metavar="REV", help="git revision whose warm reads did not verify")
    parser.add_argument("--engine", action="store_true", help="also measure reads from the engine")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warm-runs", type=int, default=10)
    parser.add_argument("--layers", type=int, default=8, help="layers of about 128 MiB each")
    parser.add_argument("--keep", type=Path, help="keep the synthetic image in this directory")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        source, target, cache_dir, runs, warm = arguments.child
        print(json.dumps(measure(Path(source), target, Path(cache_dir), int(runs), warm == "1")))
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="dockwise-verify-"))
    engine_loaded = False
    try:
        started = time.perf_counter()
        layout, archive, plain, packed = build_image(workdir, arguments.layers)
        built = time.perf_counter() - started
        current = REPO_ROOT / "src"
        variants = [("this tree", current)]
        if arguments.baseline:
            variants.insert(
                0, (f"baseline {arguments.baseline}", baseline_source(arguments.baseline, workdir))
            )
        print(
            f"{datetime.date.today().isoformat()} on {platform.platform()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}; best of {arguments.runs}"
        )
        print(
            f"synthetic image ({built:.0f} s to make): {arguments.layers} layers, {plain / 1e6:,.0f} MB "
            f"uncompressed, {packed / 1e6:,.0f} MB gzip"
        )
        targets = [
            ("OCI layout, gzip layers", str(layout)),
            ("docker save tar, uncompressed layers", str(archive)),
        ]
        if arguments.engine:
            subprocess.run(
                ["docker", "load", "-q", "-i", str(archive)], check=True, stdout=subprocess.DEVNULL
            )
            engine_loaded = True
            targets.append(("engine (docker save streamed)", TAG))
        for label, target in targets:
            print(f"\n{label}")
            for variant, source in variants:
                cache_dir = workdir / f"cache-{variant.replace(' ', '-')}-{len(label)}"
                cold = child(source, target, cache_dir, arguments.runs, warm=False)
                warm = child(source, target, cache_dir, arguments.warm_runs, warm=True)
                rate = plain / cold["seconds"] / 1e6
                print(
                    f"  {variant:<22} cold {cold['seconds']:6.2f} s ({rate:5.0f} MB/s, "
                    f"CPU {cold['cpu']:5.2f} s)   warm {warm['seconds']:6.3f} s (CPU {warm['cpu']:5.3f} s)   "
                    f"[{cold['paths']:,} paths, {cold['secrets']} secret; warm: {warm['secrets']} secret, "
                    f"{warm['hits']} cache hits]"
                )
        load = os.getloadavg()[0]
        print(f"\nload average at the end: {load:.1f} on {os.cpu_count()} CPUs (other processes share them)")
    finally:
        if engine_loaded:
            subprocess.run(["docker", "rmi", "-f", TAG], check=False, stdout=subprocess.DEVNULL)
        if arguments.keep:
            shutil.copytree(workdir, arguments.keep, dirs_exist_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
