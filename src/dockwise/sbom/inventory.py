"""The packages of an image's final filesystem, each with the layer that brought it in, its path, its
source package and its purl; and the distribution it runs on.

A package database is a file like any other: what counts is the version of it the final filesystem
shows (a later layer's `apt-get install` rewrites `var/lib/dpkg/status`; a deleted `node_modules` takes
its manifests with it). A package's layer is the first layer whose copy of that database lists it with
the same version, so a base image's packages are attributed to the base layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dockwise.image.archive import Image
from dockwise.sbom.readers import PackageRecord


@dataclass(frozen=True)
class Distribution:
    id: str
    """os-release ID: debian, alpine, ubuntu..."""
    version: str
    codename: str = ""

    @property
    def osv_ecosystem(self) -> str:
        """The OSV ecosystem of its OS packages (`Debian:12`, `Alpine:v3.20`, `Ubuntu:22.04`), or ""."""
        if self.id == "debian" and self.version:
            return f"Debian:{self.version.split('.', 1)[0]}"
        if self.id == "alpine" and self.version:
            return "Alpine:v" + ".".join(self.version.split(".")[:2])
        if self.id == "ubuntu" and self.version:
            return f"Ubuntu:{self.version}"
        return ""


@dataclass(frozen=True)
class Package:
    type: str
    name: str
    version: str
    path: str
    """The database or manifest it was read from (without the leading /)."""
    layer: int
    source_name: str = ""
    source_version: str = ""
    arch: str = ""
    license: str = ""
    purl: str = ""


@dataclass
class Inventory:
    distribution: Distribution | None
    packages: list[Package] = field(default_factory=list)


def inventory(image: Image) -> Inventory:
    files = image.index.files
    distribution = None
    packages: list[Package] = []
    paths = sorted({path for scan in image.scans for path in scan.packages})
    for path in paths:
        final = files.get(path)
        if final is None or final.kind != "file":
            continue  # deleted (or replaced by a directory) in a later layer
        records = image.scans[final.layer].packages.get(path, [])
        for record in records:
            if record.type == "os":
                distribution = Distribution(record.name, record.version, record.source_name)
                continue
            layer = _first_layer(image, path, record, final.layer)
            packages.append(_package(record, path, layer, distribution))
    if distribution is not None:  # os-release may sort after the databases: fill in the purls' distro
        packages = [_package(_record(p), p.path, p.layer, distribution) for p in packages]
    packages.sort(key=lambda p: (p.type, p.name.lower(), p.version, p.path))
    return Inventory(distribution, packages)


def _first_layer(image: Image, path: str, record: PackageRecord, final_layer: int) -> int:
    for number in range(final_layer + 1):
        listed = image.scans[number].packages.get(path)
        if listed and any(r.name == record.name and r.version == record.version for r in listed):
            return number
    return final_layer


def _record(package: Package) -> PackageRecord:
    return PackageRecord(
        package.type,
        package.name,
        package.version,
        package.source_name,
        package.source_version,
        package.arch,
        package.license,
    )


def _package(record: PackageRecord, path: str, layer: int, distribution: Distribution | None) -> Package:
    return Package(
        record.type,
        record.name,
        record.version,
        path,
        layer,
        record.source_name,
        record.source_version,
        record.arch,
        record.license,
        purl(record, distribution),
    )


def purl(record: PackageRecord, distribution: Distribution | None) -> str:
    """The package URL (packageurl-python builds and escapes it)."""
    from packageurl import PackageURL

    qualifiers: dict[str, str] = {}
    namespace = None
    name = record.name
    if record.type in ("deb", "apk"):
        namespace = (
            distribution.id if distribution is not None else ("debian" if record.type == "deb" else "alpine")
        )
        if record.arch:
            qualifiers["arch"] = record.arch
        if distribution is not None and distribution.version:
            qualifiers["distro"] = f"{distribution.id}-{distribution.version}"
        if record.source_name and record.source_name != record.name:
            qualifiers["upstream"] = record.source_name
    elif record.type == "npm" and name.startswith("@"):
        namespace, _, name = name.partition("/")
    elif record.type == "golang" and "/" in name:
        namespace, _, name = name.rpartition("/")
    elif record.type == "maven" and ":" in name:
        namespace, _, name = name.partition(":")
    elif record.type == "rpm":
        namespace = distribution.id if distribution is not None else None
        if record.arch:
            qualifiers["arch"] = record.arch
    elif record.type == "pypi":
        name = _pep503(name)
    return PackageURL(record.type, namespace, name, record.version, qualifiers or None).to_string()


def _pep503(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name).lower()
