"""One pass over an image's layers: the merged file index, with whiteouts and opaque directories applied,
and the bytes each layer wastes.

Nothing is extracted: every layer is read as a stream of tar headers (file contents are skipped, not
read into memory), so a layer claiming terabytes costs what its headers cost. Paths are cleaned the way
the OCI layer spec asks (`./a/../b` → `b`); an entry that would climb out of the root is refused.

Wasted bytes follow the definition dive's own fixes argue for: every version of a path that a later layer
overwrites or deletes (by a whiteout or an opaque directory) counts once, with its size; the version in
the final filesystem is not waste. dive's efficiency score is computed too, for comparison.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


class LayerError(ValueError):
    """A layer that cannot be read (not a tar stream, truncated, a path that escapes the root)."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: str
    size: int
    layer: int
    mode: int
    uid: int
    gid: int
    kind: str
    """"file", "dir", "symlink", "hardlink" or "other"."""


@dataclass
class LayerSummary:
    index: int
    size: int = 0
    """Bytes of the regular files the layer writes (uncompressed, as dive counts them)."""
    added: int = 0
    changed: int = 0
    removed: int = 0
    wasted_here: int = 0
    """Bytes this layer writes that a later layer hides."""


@dataclass
class LayerIndex:
    """The merged filesystem and what each layer did to it."""

    files: dict[str, FileEntry] = field(default_factory=dict)
    layers: list[LayerSummary] = field(default_factory=list)
    wasted: int = 0
    shadowed: list[FileEntry] = field(default_factory=list)
    """Every hidden version, with the layer that wrote it."""
    _cumulative: dict[str, int] = field(default_factory=dict)
    _minimum: dict[str, int] = field(default_factory=dict)
    _count: dict[str, int] = field(default_factory=dict)

    def add_layer(self, entries: Iterable[tarfile.TarInfo]) -> LayerSummary:
        summary = LayerSummary(len(self.layers))
        self.layers.append(summary)
        for info in entries:
            self._apply(summary, info)
        return summary

    def _apply(self, summary: LayerSummary, info: tarfile.TarInfo) -> None:
        path = clean_path(info.name)
        if path is None:
            return
        directory, name = posixpath.split(path)
        if name == OPAQUE:
            prefix = f"{directory}/" if directory else ""
            for hidden in [
                p for p in self.files if p.startswith(prefix) and self.files[p].layer < summary.index
            ]:
                self._hide(summary, hidden)
            return
        if name.startswith(WHITEOUT):
            target = posixpath.join(directory, name[len(WHITEOUT) :])
            below = [p for p in self.files if p == target or p.startswith(f"{target}/")]
            for hidden in below:
                self._hide(summary, hidden)
            self._record(target, 0)
            return
        size = info.size if info.isreg() else 0
        entry = FileEntry(path, size, summary.index, info.mode, info.uid, info.gid, _kind(info))
        previous = self.files.get(path)
        if previous is not None:
            summary.changed += 1
            self._shadow(previous)
        else:
            summary.added += 1
        self.files[path] = entry
        summary.size += entry.size
        if entry.kind != "dir":
            self._record(path, entry.size)

    def _hide(self, summary: LayerSummary, path: str) -> None:
        entry = self.files.pop(path)
        summary.removed += 1
        self._shadow(entry)

    def _shadow(self, entry: FileEntry) -> None:
        if entry.size:
            self.wasted += entry.size
            self.shadowed.append(entry)
            self.layers[entry.layer].wasted_here += entry.size

    def _record(self, path: str, size: int) -> None:
        """dive's bookkeeping for its efficiency score (per path: cumulative and smallest size seen)."""
        self._cumulative[path] = self._cumulative.get(path, 0) + size
        self._minimum[path] = min(self._minimum.get(path, size), size)
        self._count[path] = self._count.get(path, 0) + 1

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)

    @property
    def dive_efficiency(self) -> float:
        """dive's score: Σ smallest size seen per path / Σ all sizes seen (1.0 for an empty image)."""
        total = sum(self._cumulative.values())
        return sum(self._minimum.values()) / total if total else 1.0

    @property
    def dive_wasted_bytes(self) -> int:
        """dive's figure: the cumulative size of every path seen twice or more (counts every copy)."""
        return sum(self._cumulative[p] for p, count in self._count.items() if count >= 2)


def clean_path(name: str) -> str | None:
    """The entry's path inside the image root, or None for the root itself. LayerError when it escapes."""
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise LayerError(f"entry {name!r} climbs out of the image root")
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts) or None


def _kind(info: tarfile.TarInfo) -> str:
    if info.isreg():
        return "file"
    if info.isdir():
        return "dir"
    if info.issym():
        return "symlink"
    if info.islnk():
        return "hardlink"
    return "other"


def layer_entries(stream: IO[bytes]) -> Iterator[tarfile.TarInfo]:
    """The tar headers of one layer blob, whatever its compression (gzip, zstd or none), streamed."""
    head = stream.read(4)
    rest = io.BufferedReader(_Prefixed(head, stream))
    source: Any
    if head[:2] == b"\x1f\x8b":
        import gzip

        source = gzip.GzipFile(fileobj=rest)
    elif head == b"\x28\xb5\x2f\xfd":
        import zstandard

        source = zstandard.ZstdDecompressor().stream_reader(rest)
    else:
        source = rest
    try:
        with tarfile.open(fileobj=source, mode="r|") as archive:
            yield from archive
    except (tarfile.TarError, OSError, EOFError) as error:
        raise LayerError(f"cannot read the layer: {error}") from None


class _Prefixed(io.RawIOBase):
    """A stream with the bytes already read for the compression sniff put back in front."""

    #: Reads past the end before the stream is called truncated. tarfile skips a member's data by
    #: reading it, so a header that claims a terabyte over a short stream would otherwise spin for minutes.
    MAX_EMPTY_READS = 16

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream
        self._empty_reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = len(buffer)
        data, self._head = self._head[:size], self._head[size:]
        if len(data) < size:
            data += self._stream.read(size - len(data))
        buffer[: len(data)] = data
        if not data and size:
            self._empty_reads += 1
            if self._empty_reads > self.MAX_EMPTY_READS:
                raise LayerError("the layer ends before the sizes its headers claim (truncated or forged)")
        return len(data)
