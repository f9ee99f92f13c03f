"""Packages inside Java archives and the RPM database.

* JAR/WAR/EAR: `META-INF/maven/<group>/<artifact>/pom.properties` names the artifact exactly; without
  one, `META-INF/MANIFEST.MF`'s Implementation or Bundle headers. Archives nested one level deep
  (Spring Boot's `BOOT-INF/lib/`, `WEB-INF/lib/`) are read too.
* RPM's SQLite database (`rpmdb.sqlite`, RHEL 9, Fedora, Amazon Linux 2023): each row of `Packages` is an
  RPM header (index entries, then a data store) from which name, epoch, version, release, arch, source
  RPM and licence are read. The older Berkeley DB and NDB formats are not read.
"""

from __future__ import annotations

import io
import sqlite3
import struct
import tempfile
import zipfile
from pathlib import Path

from dockwise.sbom.readers import PackageRecord

MAX_NESTED = 64 << 20


def read_java_archive(data: bytes, depth: int = 0) -> list[PackageRecord]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return []
    records: list[PackageRecord] = []
    with archive:
        names = archive.namelist()
        for name in names:
            if name.startswith("META-INF/maven/") and name.endswith("/pom.properties"):
                properties = _properties(_read(archive, name))
                if properties.get("artifactId") and properties.get("version"):
                    group = properties.get("groupId", "")
                    records.append(
                        PackageRecord("maven", f"{group}:{properties['artifactId']}", properties["version"])
                    )
        if not records and "META-INF/MANIFEST.MF" in names:
            manifest = _manifest(_read(archive, "META-INF/MANIFEST.MF"))
            title = (
                manifest.get("Implementation-Title") or manifest.get("Bundle-SymbolicName", "").split(";")[0]
            )
            version = manifest.get("Implementation-Version") or manifest.get("Bundle-Version")
            if title and version:
                records.append(PackageRecord("maven", title, version))
        if depth == 0:
            for info in archive.infolist():
                if info.filename.endswith((".jar", ".war")) and 0 < info.file_size <= MAX_NESTED:
                    records += read_java_archive(_read(archive, info.filename), depth + 1)
    return records


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        return b""


def _properties(data: bytes) -> dict[str, str]:
    values = {}
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", "!")) and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _manifest(data: bytes) -> dict[str, str]:
    values: dict[str, str] = {}
    key = ""
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith(" ") and key:
            values[key] += line[1:]
        elif ": " in line:
            key, _, value = line.partition(": ")
            values[key] = value
    return values


# --- rpm ---------------------------------------------------------------------------------------------

_TAGS = {
    1000: "name",
    1001: "version",
    1002: "release",
    1003: "epoch",
    1014: "license",
    1022: "arch",
    1044: "sourcerpm",
}
_STRING, _INT32, _STRING_ARRAY, _I18N = 6, 4, 8, 9


def read_rpm_sqlite(data: bytes) -> list[PackageRecord]:
    """Packages of an rpmdb.sqlite held in memory (written to a temporary file: sqlite3 reads files)."""
    with tempfile.TemporaryDirectory(prefix="dockwise-rpmdb-") as folder:
        path = Path(folder) / "rpmdb.sqlite"
        path.write_bytes(data)
        try:
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            rows = connection.execute("SELECT blob FROM Packages").fetchall()
            connection.close()
        except sqlite3.DatabaseError:
            return []
    records = []
    for (blob,) in rows:
        fields = _rpm_header(bytes(blob))
        if "name" not in fields or "version" not in fields:
            continue
        version = (
            f"{fields['version']}-{fields['release']}" if fields.get("release") else str(fields["version"])
        )
        if fields.get("epoch"):
            version = f"{fields['epoch']}:{version}"
        source = str(fields.get("sourcerpm", ""))
        source_name = source.rsplit("-", 2)[0] if source.endswith(".src.rpm") else ""
        records.append(
            PackageRecord(
                "rpm",
                str(fields["name"]),
                version,
                source_name,
                "",
                str(fields.get("arch", "")),
                str(fields.get("license", "")),
            )
        )
    return records


def _rpm_header(blob: bytes) -> dict[str, str | int]:
    if len(blob) < 8:
        return {}
    count, size = struct.unpack(">II", blob[:8])
    store = 8 + count * 16
    if count > 100_000 or store + size > len(blob):
        return {}
    fields: dict[str, str | int] = {}
    for number in range(count):
        tag, kind, offset, items = struct.unpack(">iiii", blob[8 + number * 16 : 24 + number * 16])
        name = _TAGS.get(tag)
        if name is None or not 0 <= offset < size:
            continue
        start = store + offset
        if kind in (_STRING, _STRING_ARRAY, _I18N):
            end = blob.find(b"\0", start, store + size)
            fields[name] = blob[start : end if end >= 0 else store + size].decode("utf-8", "replace")
        elif kind == _INT32 and items >= 1 and start + 4 <= len(blob):
            fields[name] = struct.unpack(">i", blob[start : start + 4])[0]
    return fields
