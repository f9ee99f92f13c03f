"""Package databases and manifests found in image layers, read into package records.

Which files: dpkg's `var/lib/dpkg/status` and distroless's `var/lib/dpkg/status.d/*`, apk's
`lib/apk/db/installed`, RPM's `rpmdb.sqlite`, Python `*.dist-info/METADATA` and `*.egg-info/PKG-INFO` (or
an `.egg-info` file), Node `node_modules/[@scope/]name/package.json`, Java archives, executables of at
least `MIN_EXECUTABLE` bytes (Go build info, cargo-auditable), and `etc/os-release`. They are read during
the layer walk (`wants`), parsed at once (`read`), and only the records are kept, so the cache holds them.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

MAX_BYTES = 64 * 1024 * 1024
"""A dpkg status file of a big image is a few MB; anything past this is not a package database."""

DPKG_STATUS = "var/lib/dpkg/status"
DPKG_STATUS_DIR = "var/lib/dpkg/status.d/"
APK_INSTALLED = ("lib/apk/db/installed", "usr/lib/apk/db/installed")
OS_RELEASE = ("etc/os-release", "usr/lib/os-release")
RPM_SQLITE = ("var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite", "usr/share/rpm/rpmdb.sqlite")
JAVA_ARCHIVES = (".jar", ".war", ".ear")
MIN_EXECUTABLE = 512 * 1024
"""Go and Rust binaries are larger than this; the many small C tools of /usr/bin are not read."""
MAX_BINARY = 64 * 1024 * 1024
"""Executables and archives are read whole (their indexes are at the end): this bounds the memory."""
_NODE_MANIFEST = re.compile(r"(?:^|/)node_modules/((?:@[^/]+/)?[^/@][^/]*)/package\.json$")


class PackageRecord(NamedTuple):
    """One installed package as its database names it."""

    type: str
    """"deb", "apk", "rpm", "pypi", "npm", "golang", "cargo", "maven", or "os" for the distribution."""
    name: str
    version: str
    source_name: str = ""
    """The source package (dpkg `Source:`, apk origin): what distro advisories name."""
    source_version: str = ""
    arch: str = ""
    license: str = ""


def wants(path: str, size: int, mode: int = 0o644) -> bool:
    """Is this file a package database, manifest, archive or executable to read? `path` is relative to
    the image root."""
    if size > MAX_BYTES or size == 0:
        return False
    if path == DPKG_STATUS or path in APK_INSTALLED or path in OS_RELEASE or path in RPM_SQLITE:
        return True
    if path.endswith(JAVA_ARCHIVES) or (mode & 0o111 and size >= MIN_EXECUTABLE):
        return size <= MAX_BINARY
    if path.startswith(DPKG_STATUS_DIR):
        return not path.endswith(".md5sums")
    if path.endswith("/METADATA"):
        return path.rsplit("/", 2)[-2].endswith(".dist-info")
    if path.endswith("/PKG-INFO"):
        return path.rsplit("/", 2)[-2].endswith(".egg-info")
    if path.endswith(".egg-info"):
        return True  # the single-file form
    return path.endswith("/package.json") and _NODE_MANIFEST.search(path) is not None


def read(path: str, data: bytes) -> list[PackageRecord]:
    """The records in one file (empty for a file that turns out to hold none)."""
    if path.endswith(JAVA_ARCHIVES):
        from dockwise.sbom.archives import read_java_archive

        return read_java_archive(data)
    if path in RPM_SQLITE:
        from dockwise.sbom.archives import read_rpm_sqlite

        return read_rpm_sqlite(data)
    if data.startswith(b"\x7fELF"):
        from dockwise.sbom.binaries import read_executable

        return read_executable(data)
    text = data.decode("utf-8", "replace")
    if path == DPKG_STATUS or path.startswith(DPKG_STATUS_DIR):
        return _dpkg(text)
    if path in APK_INSTALLED:
        return _apk(text)
    if path in OS_RELEASE:
        return _os_release(text)
    if path.endswith("package.json"):
        return _npm(path, text)
    if path.endswith(("/METADATA", "/PKG-INFO", ".egg-info")):
        return _python(text)
    return []


def _paragraphs(text: str) -> list[dict[str, str]]:
    """RFC 822-style stanzas (dpkg status): `Field: value`, continuation lines start with a space."""
    stanzas: list[dict[str, str]] = []
    current: dict[str, str] = {}
    field = ""
    for line in text.splitlines():
        if not line.strip():
            if current:
                stanzas.append(current)
            current, field = {}, ""
        elif line[0] in " \t":
            if field:
                current[field] += "\n" + line.strip()
        elif ":" in line:
            field, _, value = line.partition(":")
            current[field] = value.strip()
    if current:
        stanzas.append(current)
    return stanzas


def _dpkg(text: str) -> list[PackageRecord]:
    records = []
    for stanza in _paragraphs(text):
        name, version = stanza.get("Package"), stanza.get("Version")
        if not name or not version:
            continue
        status = stanza.get("Status", "install ok installed").split()
        if status and status[-1] not in (
            "installed",
            "half-configured",
            "unpacked",
            "triggers-awaited",
            "triggers-pending",
            "half-installed",
        ):
            continue  # config-files, not-installed: removed packages whose stanza dpkg keeps
        source, source_version = name, version
        if stanza.get("Source"):
            source, _, rest = stanza["Source"].partition(" ")
            source_version = rest.strip("() ") or version
        records.append(
            PackageRecord("deb", name, version, source, source_version, stanza.get("Architecture", ""))
        )
    return records


def _apk(text: str) -> list[PackageRecord]:
    records = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if len(line) > 2 and line[1] == ":" and line[0] not in fields:
                fields[line[0]] = line[2:]
        if fields.get("P") and fields.get("V"):
            records.append(
                PackageRecord(
                    "apk",
                    fields["P"],
                    fields["V"],
                    fields.get("o", fields["P"]),
                    fields["V"],
                    fields.get("A", ""),
                    fields.get("L", ""),
                )
            )
    return records


def _os_release(text: str) -> list[PackageRecord]:
    values = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key and value:
            values[key.strip()] = value.strip().strip("\"'")
    if "ID" not in values:
        return []
    return [
        PackageRecord("os", values["ID"], values.get("VERSION_ID", ""), values.get("VERSION_CODENAME", ""))
    ]


def _python(text: str) -> list[PackageRecord]:
    import email.parser

    headers = email.parser.HeaderParser().parsestr(text)
    name, version = headers.get("Name"), headers.get("Version")
    if not name or not version:
        return []
    return [
        PackageRecord(
            "pypi",
            str(name),
            str(version),
            license=str(headers.get("License-Expression") or headers.get("License") or "")[:200],
        )
    ]


def _npm(path: str, text: str) -> list[PackageRecord]:
    try:
        document = json.loads(text)
    except ValueError:
        return []
    if not isinstance(document, dict):
        return []
    name, version = document.get("name"), document.get("version")
    if not isinstance(name, str) or not isinstance(version, str):
        return []
    match = _NODE_MANIFEST.search(path)
    if match is None or match.group(1) != name:
        return []  # a package.json inside a package (test fixtures, sub-folders), not a package root
    license_value = document.get("license")
    return [
        PackageRecord("npm", name, version, license=license_value if isinstance(license_value, str) else "")
    ]
