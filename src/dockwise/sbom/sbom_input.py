"""An SBOM file read back as an inventory, so `dockwise scan` can match a bill of materials made earlier
(by `dockwise sbom`, or any CycloneDX JSON with purls) without the image."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dockwise.errors import DockwiseError
from dockwise.sbom.inventory import Distribution, Inventory, Package

_TYPES = {name: name for name in ("deb", "apk", "rpm", "pypi", "npm", "golang", "cargo", "maven")}


class SbomError(DockwiseError):
    """A file that is not an SBOM dockwise can read."""


def read_sbom(path: Path) -> Inventory:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SbomError(f"{path}: not a JSON SBOM: {error}") from None
    if isinstance(document, dict) and document.get("bomFormat") == "CycloneDX":
        return _cyclonedx(document)
    if isinstance(document, dict) and isinstance(document.get("packages"), list) and "image" in document:
        return _dockwise(document)
    raise SbomError(f"{path}: neither a dockwise SBOM (`dockwise sbom --format json`) nor CycloneDX JSON")


def _dockwise(document: dict[str, Any]) -> Inventory:
    distro = document.get("distribution")
    distribution = (
        Distribution(str(distro["id"]), str(distro.get("version") or ""), str(distro.get("codename") or ""))
        if isinstance(distro, dict)
        else None
    )
    packages = [
        Package(
            str(p["type"]),
            str(p["name"]),
            str(p["version"]),
            str(p.get("path") or "").lstrip("/"),
            int(p.get("layer") or 0),
            str(p.get("source_name") or ""),
            str(p.get("source_version") or ""),
            str(p.get("arch") or ""),
            str(p.get("license") or ""),
            str(p.get("purl") or ""),
        )
        for p in document["packages"]
        if isinstance(p, dict) and p.get("type") in _TYPES
    ]
    return Inventory(distribution, packages)


def _cyclonedx(document: dict[str, Any]) -> Inventory:
    from packageurl import PackageURL

    distribution = None
    packages = []
    for component in document.get("components") or []:
        if not isinstance(component, dict):
            continue
        if component.get("type") == "operating-system":
            distribution = Distribution(str(component.get("name", "")), str(component.get("version", "")))
            continue
        try:
            purl = PackageURL.from_string(str(component.get("purl", "")))
        except ValueError:
            continue
        if purl.type not in _TYPES or not purl.version:
            continue
        name = purl.name
        if purl.namespace and purl.type in ("npm", "golang"):
            name = f"{purl.namespace}/{purl.name}"
        elif purl.namespace and purl.type == "maven":
            name = f"{purl.namespace}:{purl.name}"
        qualifiers = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
        packages.append(
            Package(
                purl.type,
                name,
                purl.version,
                "",
                0,
                str(qualifiers.get("upstream", "")),
                "",
                str(qualifiers.get("arch", "")),
                "",
                purl.to_string(),
            )
        )
        if distribution is None and qualifiers.get("distro"):
            distro_id, _, version = str(qualifiers["distro"]).partition("-")
            distribution = Distribution(distro_id, version)
    return Inventory(distribution, packages)
