"""One pass over an image's layers: each layer blob read once into a `LayerScan` (its entries and the
secrets in its files), then the scans stacked into the merged file index, with whiteouts and opaque
directories applied, and the bytes each layer wastes.

Nothing is extracted: a layer is a stream of tar headers whose contents are skipped (`tarwalk`), except
small text files read for secrets, so a layer claiming terabytes costs what its headers cost. Every blob is
still read to its end and hashed twice on the way: as stored (`digest`, what a manifest names it by) and
as the tar stream inside it (`diff_id`, what the image config lists), so that both claims are checked as
`docker load` checks them. Paths are cleaned the way the OCI layer spec asks (`./a/../b` → `b`); an entry
that would climb out of the root is refused, and so is a hardlink to a path outside the root or to a file
that neither this layer (before the link) nor the ones below have: `docker load` refuses both (its
extraction checks the link's target against the root, then link(2) needs the target to exist).

Entries written through a symlink (`a/b` when `a` is a symlink in the merged filesystem) are kept, and
recorded in `LayerIndex.through` for the DW810 finding: engines do not agree on what they do with them
(Docker's overlay2 driver unpacks a layer into an empty directory, so `a` becomes a real directory that
hides the symlink; containerd unpacks onto the mounted lower layers and follows `a`), and neither result is
what a walk of the headers shows, so the report says where the walk cannot be trusted.

Wasted bytes follow the definition dive's own fixes argue for: every version of a path that a later layer
overwrites or deletes (by a whiteout or an opaque directory) counts once, with its size; the version in
the final filesystem is not waste. dive's efficiency score is computed too, for comparison.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dockwise.image import secret_content
from dockwise.image.secret_content import SecretHit
from dockwise.image.streams import Hashing, Prefixed, compression_of, decompressing, drain, is_codec_error
from dockwise.image.tarwalk import Readable, TarEntry, TarError, walk_tar
from dockwise.sbom import readers as package_readers
from dockwise.sbom.readers import PackageRecord

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
SCAN_VERSION = "4"
"""Part of every cache key: bump it when what a scan records changes (new secret patterns, fields)."""


class LayerError(ValueError):
    """A layer that cannot be read (not a tar stream, truncated, a path that escapes the root)."""


class ScanEntry(NamedTuple):
    """One tar member of a layer, path cleaned (whiteout markers kept by name)."""

    path: str
    kind: str
    """"file", "dir", "symlink", "hardlink" or "other"."""
    size: int
    mode: int
    uid: int
    gid: int
    link: str = ""
    """A hardlink's target (a cleaned path in the root), a symlink's (as written); "" for the others."""


@dataclass(slots=True)
class LayerScan:
    """What one read of a layer blob found; cached by the blob's digest."""

    entries: list[ScanEntry]
    secrets: list[SecretHit]
    digest: str = ""
    """`sha256:<hex>` of the blob as stored (compressed or not)."""
    compression: str = "none"
    packages: dict[str, list[PackageRecord]] = field(default_factory=dict)
    """The package records of each package database or manifest this layer writes, by path."""
    complete: bool = True
    """False when the secret scan was turned off: such a scan is never cached."""
    diff_id: str = ""
    """`sha256:<hex>` of the uncompressed tar stream (the image config's `rootfs.diff_ids` entry)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "version": SCAN_VERSION,
            "digest": self.digest,
            "diff_id": self.diff_id,
            "compression": self.compression,
            "entries": [list(entry) if entry.link else list(entry[:6]) for entry in self.entries],
            "secrets": [list(hit) for hit in self.secrets],
            "packages": {
                path: [list(record) for record in records] for path, records in self.packages.items()
            },
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> LayerScan:
        return cls(
            [ScanEntry(*entry) for entry in document["entries"]],
            [SecretHit(*hit) for hit in document["secrets"]],
            document["digest"],
            document["compression"],
            {
                path: [PackageRecord(*record) for record in records]
                for path, records in document["packages"].items()
            },
            diff_id=document["diff_id"],
        )


def scan_layer(blob: Readable, secrets: bool = True) -> LayerScan:
    """Read one layer blob (gzip, zstd or plain tar) once and to its end: its entries, the secrets in its
    small files, and the sha256 of the blob (`digest`) and of the tar stream inside it (`diff_id`; the same
    hash when the blob is not compressed). Reading to the end lets the codec check what lies past the tar's
    end-of-archive blocks (CRC and length, truncation, bytes after the last gzip member or zstd frame),
    and puts the bytes a tar reader would leave in the digests, as the engine counts them.
    """
    head = blob.read(4)
    compression = compression_of(head)
    raw = Hashing(Prefixed(head, blob))
    stream: Any = raw
    plain = raw
    try:
        stream = decompressing(raw, compression)
        if stream is not raw:
            plain = Hashing(stream)
        entries: list[ScanEntry] = []
        hits: list[SecretHit] = []
        packages: dict[str, list[PackageRecord]] = {}
        for member, content in walk_tar(plain):
            entry = _scan_entry(member)
            if entry is None:
                continue
            entries.append(entry)
            if entry.kind == "file" and package_readers.wants(entry.path, entry.size, entry.mode):
                data = content.read()
                packages[entry.path] = package_readers.read(entry.path, data)
                if secrets and secret_content.wants_file(entry.path, entry.size):
                    hits.extend(secret_content.find_secrets(entry.path, data))
            elif secrets and entry.kind == "file" and secret_content.wants_file(entry.path, entry.size):
                head = content.read(secret_content.SNIFF_BYTES)
                if not secret_content.is_binary(head):  # binaries are left unread (ELF, images...)
                    hits.extend(secret_content.find_secrets(entry.path, head + content.read()))
        drain(plain)
        drain(raw)
    except TarError as error:
        raise LayerError(str(error)) from None
    except (OSError, EOFError, ValueError) as error:
        if isinstance(error, LayerError):
            raise
        raise LayerError(f"cannot read the {compression} layer: {error}") from None
    except Exception as error:
        if is_codec_error(error):
            raise LayerError(f"cannot read the {compression} layer: {error}") from None
        raise
    finally:
        if stream is not raw:
            stream.close()
    return LayerScan(
        entries, hits, raw.digest(), compression, packages, complete=secrets, diff_id=plain.digest()
    )


_KINDS = {
    tarfile.REGTYPE: "file",
    tarfile.AREGTYPE: "file",
    tarfile.CONTTYPE: "file",
    tarfile.GNUTYPE_SPARSE: "file",
    tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink",
    tarfile.LNKTYPE: "hardlink",
}


def _scan_entry(member: TarEntry) -> ScanEntry | None:
    path = clean_path(member.name)
    if path is None:
        return None
    kind = _KINDS.get(member.type, "other")
    if kind == "file":
        return ScanEntry(path, kind, member.size, member.mode, member.uid, member.gid)
    link = ""
    if kind == "hardlink":
        link = _hardlink_target(path, member.linkname)
    elif kind == "symlink":
        link = member.linkname
    return ScanEntry(path, kind, 0, member.mode, member.uid, member.gid, link)


def _hardlink_target(path: str, linkname: str) -> str:
    """The path a hardlink names, inside the root; LayerError for one outside it or for the root itself
    (Docker joins the target to the root and refuses what lands outside; a directory cannot be linked)."""
    try:
        target = clean_path(linkname)
    except LayerError:
        raise LayerError(f"hardlink /{path} points outside the image root ({linkname!r})") from None
    if target is None:
        raise LayerError(f"hardlink /{path} points at the image root ({linkname!r})")
    return target


@dataclass(slots=True)
class FileEntry:
    path: str
    size: int
    layer: int
    mode: int
    uid: int
    gid: int
    kind: str
    """"file", "dir", "symlink", "hardlink" or "other"."""
    link: str = ""
    """A hardlink's or symlink's target (ScanEntry.link)."""


@dataclass(slots=True)
class WriteThrough:
    """Entries of one layer whose path goes through a symlink of the merged filesystem (`a/b`, `a` a
    symlink): the first of them, and how many."""

    layer: int
    symlink: str
    target: str
    """Where the symlink points, as written."""
    path: str
    count: int = 1


@dataclass(slots=True)
class LayerSummary:
    index: int
    size: int = 0
    """Bytes of the regular files the layer writes (uncompressed, as dive counts them)."""
    added: int = 0
    changed: int = 0
    removed: int = 0
    wasted_here: int = 0
    """Bytes this layer writes that a later layer hides."""
    hides: int = 0
    """Bytes of lower versions this layer overwrites or deletes (the waste this layer causes)."""


@dataclass
class LayerIndex:
    """The merged filesystem and what each layer did to it."""

    files: dict[str, FileEntry] = field(default_factory=dict)
    layers: list[LayerSummary] = field(default_factory=list)
    wasted: int = 0
    shadowed: list[FileEntry] = field(default_factory=list)
    """Every hidden version, with the layer that wrote it."""
    through: list[WriteThrough] = field(default_factory=list)
    """Entries written through a symlink, one record per layer and symlink."""
    _through: dict[tuple[int, str], WriteThrough] = field(default_factory=dict)
    _symlinks: int = 0
    """Symlinks in `files` now: while there are none (or the parent is the last one looked at, and no
    symlink came or went since), an entry's ancestors are not looked up."""
    _symlink_changes: int = 0
    _last_parent: tuple[str, int, str] = ("", -1, "")
    _children: dict[str, set[str]] = field(default_factory=dict)
    _cumulative: dict[str, int] = field(default_factory=dict)
    _minimum: dict[str, int] = field(default_factory=dict)
    _count: dict[str, int] = field(default_factory=dict)

    def add_layer(self, entries: Iterable[ScanEntry]) -> LayerSummary:
        summary = LayerSummary(len(self.layers))
        self.layers.append(summary)
        for entry in entries:
            self._apply(summary, entry)
        return summary

    def _apply(self, summary: LayerSummary, scanned: ScanEntry) -> None:
        path = scanned.path
        directory, _, name = path.rpartition("/")  # posixpath.split, for clean paths, at a third of the cost
        if self._symlinks and directory:
            last_directory, changes, symlink = self._last_parent
            if symlink or directory != last_directory or changes != self._symlink_changes:
                self._check_through(summary.index, directory, path)
        if name.startswith(WHITEOUT):
            if name == OPAQUE:
                for hidden in self._below(directory, summary.index):
                    self._hide(summary, hidden)
                return
            target_name = name[len(WHITEOUT) :]
            if target_name.startswith(WHITEOUT):
                return  # `.wh..wh.` names are reserved by the OCI spec and carry no meaning here
            if target_name in ("", ".", ".."):
                raise LayerError(f"whiteout {path!r} names no file in its directory")
            target = f"{directory}/{target_name}" if directory else target_name
            below = self._below(target, summary.index)
            if target in self.files and self.files[target].layer < summary.index:
                below.append(target)
            for hidden in below:
                self._hide(summary, hidden)
            self._record(target, 0)
            return
        kind = scanned.kind
        if kind == "hardlink":
            self._check_hardlink(path, scanned.link)
        entry = FileEntry(
            path, scanned.size, summary.index, scanned.mode, scanned.uid, scanned.gid, kind, scanned.link
        )
        previous = self.files.get(path)
        if previous is not None:
            summary.changed += 1
            self._shadow(summary, previous)
            if previous.kind == "symlink":
                self._symlinks -= 1
                self._symlink_changes += 1
        else:
            summary.added += 1
            self._link(path)
        if kind == "symlink":
            self._symlinks += 1
            self._symlink_changes += 1
        self.files[path] = entry
        summary.size += entry.size
        if entry.kind != "dir":
            self._record(path, entry.size)

    def _check_hardlink(self, path: str, target: str) -> None:
        """A hardlink's target must exist when the link is made: earlier in this layer or below (link(2)
        makes the link at extraction), and not be a directory."""
        found = self.files.get(target)
        if found is None or target == path:
            raise LayerError(f"hardlink /{path} → /{target}: no such file in this layer or the ones below")
        if found.kind == "dir":
            raise LayerError(f"hardlink /{path} → /{target}: the target is a directory")

    def _check_through(self, layer: int, directory: str, path: str) -> None:
        """Record `path` when an ancestor of it is a symlink now (the nearest one)."""
        last_directory, changes, symlink = self._last_parent
        if directory != last_directory or changes != self._symlink_changes:
            symlink = ""
            ancestor = directory
            while ancestor:
                found = self.files.get(ancestor)
                if found is not None and found.kind == "symlink":
                    symlink = ancestor
                    break
                ancestor = ancestor.rpartition("/")[0]
            self._last_parent = (directory, self._symlink_changes, symlink)
        if not symlink:
            return
        record = self._through.get((layer, symlink))
        if record is None:
            record = WriteThrough(layer, symlink, self.files[symlink].link, path, 0)
            self._through[(layer, symlink)] = record
            self.through.append(record)
        record.count += 1

    def _below(self, directory: str, layer: int) -> list[str]:
        """Paths under `directory` ("" is the root) written by layers before `layer`."""
        found = []
        stack = [directory]
        while stack:
            for child in self._children.get(stack.pop(), ()):
                stack.append(child)
                entry = self.files.get(child)
                if entry is not None and entry.layer < layer:
                    found.append(child)
        return found

    def _link(self, path: str) -> None:
        """Record `path` under each ancestor, implicit ones included (layers may omit directory entries)."""
        while True:
            parent = path.rpartition("/")[0]
            children = self._children.setdefault(parent, set())
            if path in children:
                return
            children.add(path)
            if not parent:
                return
            path = parent

    def _hide(self, summary: LayerSummary, path: str) -> None:
        entry = self.files.pop(path)
        summary.removed += 1
        self._shadow(summary, entry)
        if entry.kind == "symlink":
            self._symlinks -= 1
            self._symlink_changes += 1

    def _shadow(self, summary: LayerSummary, entry: FileEntry) -> None:
        if entry.size:
            self.wasted += entry.size
            self.shadowed.append(entry)
            self.layers[entry.layer].wasted_here += entry.size
            summary.hides += entry.size

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
    if "." not in name and "//" not in name and not name.startswith("/") and not name.endswith("/"):
        return name or None  # the common case, already clean
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
