"""Packages compiled into executables: Go's build information and Rust's cargo-auditable dependency list.

* Go (1.18+) writes a `.go.buildinfo` blob: a 32-byte header (`\\xff Go buildinf:`, pointer size, flags)
  followed, when flag 2 is set, by two length-prefixed strings: the Go version and the module info
  (`path`, `mod`, `dep`, `=>` replacement lines between two 16-byte sentinels). It is found by its magic;
  no ELF parsing is needed. Older binaries store pointers instead and are skipped.
* cargo-auditable stores zlib-compressed JSON in an ELF section named `.dep-v0`, found through the
  section table with pyelftools.
"""

from __future__ import annotations

import io
import json
import zlib
from typing import Any

from dockwise.sbom.readers import PackageRecord

ELF_MAGIC = b"\x7fELF"
GO_MAGIC = b"\xff Go buildinf:"
RUST_SECTION = b".dep-v0"
_INLINE_STRINGS = 0x2
_MAX_MODINFO = 1 << 20


def read_executable(data: bytes) -> list[PackageRecord]:
    if not data.startswith(ELF_MAGIC):
        return []
    records = []
    start = data.find(GO_MAGIC)
    if start >= 0:
        records += _go(data, start)
    if RUST_SECTION in data:
        records += _rust(data)
    return records


def _go(data: bytes, start: int) -> list[PackageRecord]:
    header = data[start : start + 32]
    if len(header) < 32 or not header[15] & _INLINE_STRINGS:
        return []  # before Go 1.18: pointers into the data segment
    position = start + 32
    version, position = _varint_string(data, position)
    modinfo, _ = _varint_string(data, position)
    if not version.startswith("go"):
        return []
    if len(modinfo) >= 33 and modinfo[-17] == "\n":
        modinfo = modinfo[16:-16]  # the sentinels around the module info
    records = [PackageRecord("golang", "stdlib", version[2:].split(" ", 1)[0].split("-", 1)[0])]
    last: list[str] | None = None
    for line in modinfo.splitlines():
        fields = line.split("\t")
        if fields[0] in ("mod", "dep") and len(fields) >= 3:
            last = fields
            if fields[2] != "(devel)":
                records.append(PackageRecord("golang", fields[1], fields[2]))
        elif fields[0] == "=>" and last is not None and len(fields) >= 3 and records[-1].name == last[1]:
            records[-1] = PackageRecord("golang", fields[1], fields[2], source_name=last[1])
    return records


def _varint_string(data: bytes, position: int) -> tuple[str, int]:
    length = shift = 0
    while position < len(data):
        byte = data[position]
        position += 1
        length |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
        shift += 7
        if shift > 35:
            return "", position
    length = min(length, _MAX_MODINFO)
    return data[position : position + length].decode("utf-8", "replace"), position + length


def _rust(data: bytes) -> list[PackageRecord]:
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    try:
        section = ELFFile(io.BytesIO(data)).get_section_by_name(RUST_SECTION.decode())
        if section is None:
            return []
        document: Any = json.loads(zlib.decompressobj().decompress(section.data(), 64 << 20))
    except (ELFError, zlib.error, ValueError, KeyError, TypeError, OSError):
        return []
    records = []
    for package in document.get("packages") or [] if isinstance(document, dict) else []:
        if isinstance(package, dict) and package.get("name") and package.get("version"):
            source = str(package.get("source") or "")
            records.append(
                PackageRecord("cargo", str(package["name"]), str(package["version"]), source_name=source)
            )
    return records
