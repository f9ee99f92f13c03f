"""`dockwise sbom` outputs: a table, JSON, CycloneDX 1.6 and SPDX 2.3 (both JSON).

CycloneDX is written by cyclonedx-python-lib, the format's own library. SPDX 2.3 JSON is written here:
the document is a flat list of packages with one purl each, and the official library (spdx-tools)
pulls in an RDF stack for it; the tests validate the output with spdx-tools instead.
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from dockwise import __version__
from dockwise.sbom.inventory import Inventory


def render_table(inventory: Inventory, name: str) -> str:
    distro = inventory.distribution
    lines = [
        f"{name}: {len(inventory.packages)} packages"
        + (f" on {distro.id} {distro.version}" if distro else "")
    ]
    if inventory.packages:
        width = max(len(p.name) for p in inventory.packages)
        version_width = max(len(p.version) for p in inventory.packages)
        lines.append(f"{'type':<5}  {'name':<{width}}  {'version':<{version_width}}  layer  source / path")
        for p in inventory.packages:
            where = p.source_name if p.source_name and p.source_name != p.name else "/" + p.path
            lines.append(
                f"{p.type:<5}  {p.name:<{width}}  {p.version:<{version_width}}  {p.layer + 1:>5}  {where}"
            )
    return "\n".join(lines) + "\n"


def render_json(inventory: Inventory, name: str) -> str:
    distro = inventory.distribution
    document = {
        "image": name,
        "distribution": None
        if distro is None
        else {"id": distro.id, "version": distro.version, "codename": distro.codename},
        "packages": [
            {
                "type": p.type,
                "name": p.name,
                "version": p.version,
                "source_name": p.source_name or None,
                "source_version": p.source_version or None,
                "arch": p.arch or None,
                "license": p.license or None,
                "purl": p.purl,
                "layer": p.layer,
                "path": "/" + p.path,
            }
            for p in inventory.packages
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def render_cyclonedx(inventory: Inventory, name: str) -> str:
    from cyclonedx.model import Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output.json import JsonV1Dot6
    from packageurl import PackageURL

    bom = Bom()
    root = Component(name=name, type=ComponentType.CONTAINER, bom_ref="image")
    bom.metadata.component = root
    if inventory.distribution is not None:
        distro = inventory.distribution
        bom.components.add(
            Component(
                name=distro.id, version=distro.version, type=ComponentType.OPERATING_SYSTEM, bom_ref="os"
            )
        )
    for number, package in enumerate(inventory.packages):
        bom.components.add(
            Component(
                name=package.name,
                version=package.version,
                type=ComponentType.LIBRARY if package.type in ("pypi", "npm") else ComponentType.APPLICATION,
                purl=PackageURL.from_string(package.purl),
                bom_ref=f"pkg-{number}",
                properties=[
                    Property(name="dockwise:layer", value=str(package.layer)),
                    Property(name="dockwise:path", value="/" + package.path),
                    *(
                        [Property(name="dockwise:source", value=package.source_name)]
                        if package.source_name
                        else []
                    ),
                ],
            )
        )
    bom.register_dependency(root, list(bom.components))  # the image contains them all, directly
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"


def render_spdx(inventory: Inventory, name: str) -> str:
    created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    packages: list[dict[str, Any]] = [
        {
            "name": name,
            "SPDXID": "SPDXRef-Image",
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": False,
            "primaryPackagePurpose": "CONTAINER",
        }
    ]
    relationships = [
        {
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": "SPDXRef-Image",
        }
    ]
    for number, package in enumerate(inventory.packages):
        identifier = f"SPDXRef-Package-{number}"
        packages.append(
            {
                "name": package.name,
                "SPDXID": identifier,
                "versionInfo": package.version,
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": False,
                "licenseConcluded": "NOASSERTION",
                "licenseDeclared": _spdx_license(package.license),
                "copyrightText": "NOASSERTION",
                "sourceInfo": f"read from /{package.path} in layer {package.layer + 1}",
                "externalRefs": [
                    {
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": package.purl,
                    }
                ],
            }
        )
        relationships.append(
            {
                "spdxElementId": "SPDXRef-Image",
                "relationshipType": "CONTAINS",
                "relatedSpdxElement": identifier,
            }
        )
    document = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": f"https://spdx.org/spdxdocs/dockwise/{uuid.uuid4()}",
        "creationInfo": {"created": created, "creators": [f"Tool: dockwise-{__version__}"]},
        "packages": packages,
        "relationships": relationships,
    }
    return json.dumps(document, indent=2) + "\n"


def _spdx_license(text: str) -> str:
    """The declared licence when it is an SPDX expression; free text (`BSD`, `MIT License`) is not."""
    if not text:
        return "NOASSERTION"
    from license_expression import ExpressionError, get_spdx_licensing

    try:
        parsed = get_spdx_licensing().parse(text, validate=True, strict=True)
    except (ExpressionError, ValueError, TypeError):
        return "NOASSERTION"
    return str(parsed) if parsed is not None else "NOASSERTION"


RENDERERS = {"table": render_table, "json": render_json, "cyclonedx": render_cyclonedx, "spdx": render_spdx}
