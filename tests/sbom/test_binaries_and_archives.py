"""Packages compiled into executables (Go build info, cargo-auditable) and inside Java archives and RPM's
SQLite database, from files these tests build byte by byte (and from a real Go binary where Go is here)."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

from dockwise.sbom.archives import read_java_archive, read_rpm_sqlite
from dockwise.sbom.binaries import read_executable
from dockwise.sbom.readers import read, wants
from tests.conftest import in_ci

SENTINEL_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
SENTINEL_END = bytes.fromhex("f932433186182072008242104116d8f2")


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def go_binary(version: str, modinfo: str) -> bytes:
    header = b"\xff Go buildinf:" + bytes([8, 0x2]) + bytes(16)
    info = SENTINEL_START + modinfo.encode() + SENTINEL_END
    blob = header + _varint(len(version)) + version.encode() + _varint(len(info)) + info
    return b"\x7fELF" + bytes(4092) + blob + bytes(100)


def elf_with_section(name: str, content: bytes) -> bytes:
    """A minimal ELF64 file with one named section (plus the null section and the name table)."""
    names = b"\0" + name.encode() + b"\0.shstrtab\0"
    data_offset = 64
    names_offset = data_offset + len(content)
    table_offset = (names_offset + len(names) + 7) // 8 * 8
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, 0, table_offset, 0, 64, 0, 0, 64, 3, 2)

    def section(name_index: int, kind: int, offset: int, size: int) -> bytes:
        return struct.pack("<IIQQQQIIQQ", name_index, kind, 0, 0, offset, size, 0, 0, 1, 0)

    table = (
        bytes(64)
        + section(1, 1, data_offset, len(content))
        + section(2 + len(name), 3, names_offset, len(names))
    )
    padding = bytes(table_offset - names_offset - len(names))
    return header + content + names + padding + table


MODINFO = (
    "path\texample.com/cmd/server\n"
    "mod\texample.com/cmd/server\t(devel)\t\n"
    "dep\tgolang.org/x/net\tv0.17.0\th1:abc=\n"
    "dep\tgithub.com/old/lib\tv1.0.0\th1:def=\n"
    "=>\tgithub.com/fork/lib\tv1.0.1\th1:ghi=\n"
    "build\tGOOS=linux\n"
)


def test_go_build_info() -> None:
    records = read_executable(go_binary("go1.22.1", MODINFO))
    assert [(r.type, r.name, r.version, r.source_name) for r in records] == [
        ("golang", "stdlib", "1.22.1", ""),
        ("golang", "golang.org/x/net", "v0.17.0", ""),
        ("golang", "github.com/fork/lib", "v1.0.1", "github.com/old/lib"),
    ], "the main module in (devel) has no version; a replacement wins"


def test_a_pre_1_18_go_binary_is_skipped_not_misread() -> None:
    old = bytearray(go_binary("go1.17", MODINFO))
    old[4096 + 15] = 0  # no inline strings: pointers
    assert read_executable(bytes(old)) == []


def test_cargo_auditable_section() -> None:
    document = {
        "packages": [
            {"name": "server", "version": "0.1.0", "source": "local", "root": True},
            {"name": "serde", "version": "1.0.195", "source": "crates.io"},
        ]
    }
    binary = elf_with_section(".dep-v0", zlib.compress(json.dumps(document).encode()))
    assert [(r.type, r.name, r.version, r.source_name) for r in read_executable(binary)] == [
        ("cargo", "server", "0.1.0", "local"),
        ("cargo", "serde", "1.0.195", "crates.io"),
    ]
    assert read_executable(elf_with_section(".dep-v0", b"not zlib")) == []


def _jar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_java_archives() -> None:
    inner = _jar(
        {
            "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\nImplementation-Title: jackson-core\n"
            b"Implementation-Version: 2.15.2\n"
        }
    )
    outer = _jar(
        {
            "META-INF/maven/org.springframework/spring-core/pom.properties": (
                b"#generated\ngroupId=org.springframework\nartifactId=spring-core\nversion=6.0.9\n"
            ),
            "BOOT-INF/lib/jackson-core-2.15.2.jar": inner,
        }
    )
    assert [(r.type, r.name, r.version) for r in read_java_archive(outer)] == [
        ("maven", "org.springframework:spring-core", "6.0.9"),
        ("maven", "jackson-core", "2.15.2"),
    ]
    assert read_java_archive(b"PK\x03\x04broken") == []


def _rpm_header(tags: dict[int, str | int]) -> bytes:
    index, store = b"", b""
    for tag, value in tags.items():
        if isinstance(value, int):
            store += bytes(-len(store) % 4)
            index += struct.pack(">iiii", tag, 4, len(store), 1)
            store += struct.pack(">i", value)
        else:
            index += struct.pack(">iiii", tag, 6, len(store), 1)
            store += value.encode() + b"\0"
    return struct.pack(">II", len(tags), len(store)) + index + store


def test_rpm_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "rpmdb.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB NOT NULL)")
    connection.execute(
        "INSERT INTO Packages VALUES (1, ?)",
        (
            _rpm_header(
                {
                    1000: "openssl-libs",
                    1001: "3.0.7",
                    1002: "25.el9_3",
                    1003: 1,
                    1022: "x86_64",
                    1044: "openssl-3.0.7-25.el9_3.src.rpm",
                    1014: "Apache-2.0",
                }
            ),
        ),
    )
    connection.execute("INSERT INTO Packages VALUES (2, ?)", (b"\x00\x00",))
    connection.commit()
    connection.close()
    records = read_rpm_sqlite(path.read_bytes())
    assert [(r.name, r.version, r.source_name, r.arch, r.license) for r in records] == [
        ("openssl-libs", "1:3.0.7-25.el9_3", "openssl", "x86_64", "Apache-2.0")
    ]
    assert read_rpm_sqlite(b"not a database") == []


def test_which_binaries_and_archives_are_read() -> None:
    assert wants("usr/local/bin/server", 5_000_000, 0o755)
    assert not wants("usr/bin/ls", 140_000, 0o755), "small C tools are not read"
    assert not wants("data/blob.bin", 5_000_000, 0o644), "not executable"
    assert wants("app/app.jar", 30_000_000)
    assert not wants("app/huge.jar", 100_000_000), "over the memory bound"
    assert wants("var/lib/rpm/rpmdb.sqlite", 10_000_000)
    assert read("usr/local/bin/server", go_binary("go1.21.5", MODINFO))[0].version == "1.21.5"


def test_a_real_go_binary(tmp_path: Path) -> None:
    if shutil.which("go") is None:
        reason = (
            "no Go toolchain on this machine to build a real binary (scripts/engine-setup installs golang-go)"
        )
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    (tmp_path / "go.mod").write_text("module example.com/hello\n\ngo 1.19\n")
    (tmp_path / "main.go").write_text('package main\n\nfunc main() { println("hi") }\n')
    completed = subprocess.run(
        ["go", "build", "-o", "hello", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "GOCACHE": str(tmp_path / "cache"),
            "GOFLAGS": "-mod=mod",
        },
    )
    assert completed.returncode == 0, completed.stderr
    version = subprocess.run(
        ["go", "env", "GOVERSION"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    ).stdout.strip()
    records = read_executable((tmp_path / "hello").read_bytes())
    assert records[0] == ("golang", "stdlib", version.removeprefix("go").split("-", 1)[0], "", "", "", "")
