"""The numbers `dockwise image` reports and CI thresholds test: sizes, wasted bytes (dockwise's and dive's),
the base-image boundary, and where the bytes are (largest files and directories)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from dockwise.image.archive import Image

DIRECTORY_DEPTH = 2
"""Directories are summed two levels deep (/usr/lib, /app/node_modules): deep enough to point at the
culprit, shallow enough to stay one screen."""


@dataclass(frozen=True)
class Figures:
    size: int
    """Bytes of every file every layer writes (uncompressed; what dive calls the image size)."""
    final_size: int
    """Bytes of the files in the final filesystem."""
    layers: int
    base_layers: int
    base_from_history: bool
    """True when the history showed where the base image ends; False: the first layer is assumed."""
    user_size: int
    """Bytes written by the layers above the base image."""
    wasted: int
    """Bytes in some layer that a later layer overwrites or deletes, each hidden version once."""
    user_wasted: int
    """Wasted bytes hidden by the layers above the base (the waste this build caused)."""
    user_wasted_percent: float
    """user_wasted / user_size (0..1; 0 for an image with no layers of its own)."""
    dive_efficiency: float
    dive_wasted_bytes: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def figures(image: Image) -> Figures:
    index = image.index
    base, from_history = image.base_layers
    user_size = sum(summary.size for summary in index.layers[base:])
    user_wasted = sum(summary.hides for summary in index.layers[base:])
    return Figures(
        size=index.size,
        final_size=sum(entry.size for entry in index.files.values()),
        layers=len(index.layers),
        base_layers=base,
        base_from_history=from_history,
        user_size=user_size,
        wasted=index.wasted,
        user_wasted=user_wasted,
        user_wasted_percent=user_wasted / user_size if user_size else 0.0,
        dive_efficiency=index.dive_efficiency,
        dive_wasted_bytes=index.dive_wasted_bytes,
    )


def directory_sizes(image: Image, depth: int = DIRECTORY_DEPTH) -> Counter[str]:
    """Bytes of the final filesystem per directory, summed `depth` levels deep (`/usr/lib`, `/app`)."""
    totals: Counter[str] = Counter()
    for entry in image.index.files.values():
        if entry.size:
            parts = entry.path.split("/")[:-1][:depth]
            totals["/" + "/".join(parts)] += entry.size
    return totals


def largest_files(image: Image, count: int = 10) -> list[tuple[str, int, int]]:
    """(path, size, layer) of the biggest files in the final filesystem."""
    files = sorted(image.index.files.values(), key=lambda entry: entry.size, reverse=True)[:count]
    return [("/" + entry.path, entry.size, entry.layer) for entry in files if entry.size]


def format_bytes(count: int) -> str:
    """Decimal units, as `docker images` and dive print them."""
    value = float(count)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{count} B"
