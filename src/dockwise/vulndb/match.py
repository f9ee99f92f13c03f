"""Packages against advisories: which OSV records affect which installed package, with the fixing
version and a severity.

Distribution packages are looked up by their source package and source version in the release's
ecosystem (`Debian:12`, `Alpine:v3.20`): that is what Debian, Ubuntu and Alpine advisories name.
Language packages go by name in PyPI and npm. A version an ecosystem cannot order is reported as
"cannot tell", never silently as "not affected".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dockwise.sbom.inventory import Inventory, Package
from dockwise.vulndb.osv import SEVERITIES, evaluate, severity
from dockwise.vulndb.store import AdvisoryDatabase
from dockwise.vulndb.versions import VersionError


@dataclass(frozen=True)
class Finding:
    advisory: str
    aliases: tuple[str, ...]
    package: Package
    installed: str
    """The version compared (the source version for distribution packages)."""
    fixed: str | None
    severity: str
    score: float | None
    summary: str


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    undecided: list[tuple[Package, str, str]] = field(default_factory=list)
    """(package, advisory, why) where the versions could not be ordered."""
    skipped: list[Package] = field(default_factory=list)
    """Packages of an ecosystem the database cannot match (no distribution release known...)."""


def lookup_key(package: Package, inventory: Inventory) -> tuple[str, str, str, str] | None:
    """(ecosystem base, full ecosystem, name, version) to look the package up with."""
    if package.type in ("deb", "apk"):
        distro = inventory.distribution
        full = distro.osv_ecosystem if distro is not None else ""
        if not full:
            return None
        return (
            full.split(":", 1)[0],
            full,
            package.source_name or package.name,
            package.source_version or package.version,
        )
    if package.type == "pypi":
        return "PyPI", "PyPI", package.name, package.version
    if package.type == "npm":
        return "npm", "npm", package.name, package.version
    if package.type == "golang":
        return "Go", "Go", package.name, package.version
    if package.type == "cargo" and package.source_name in ("", "crates.io", "registry"):
        return "crates.io", "crates.io", package.name, package.version
    return None  # Maven and RPM advisories need orderings not implemented yet


def match(inventory: Inventory, database: AdvisoryDatabase) -> ScanResult:
    result = ScanResult()
    seen: set[tuple[str, str, str]] = set()
    for package in inventory.packages:
        key = lookup_key(package, inventory)
        if key is None:
            result.skipped.append(package)
            continue
        base, full, name, version = key
        for advisory, ecosystem, affected in database.affected(base, name):
            if (
                base in ("Debian", "Alpine", "Ubuntu")
                and ecosystem != full
                and not ecosystem.startswith(f"{full}:")
            ):
                continue  # another release's advisory (`Ubuntu:22.04:LTS` is 22.04's)
            try:
                verdict = evaluate(affected, ecosystem, version)
            except VersionError as error:
                result.undecided.append((package, advisory, str(error)))
                continue
            if not verdict.affected or (advisory, package.name, package.version) in seen:
                continue
            seen.add((advisory, package.name, package.version))
            record = database.record(advisory)
            rating, score = severity(record, affected)
            aliases = tuple(str(a) for a in [*(record.get("aliases") or ()), *(record.get("upstream") or ())])
            result.findings.append(
                Finding(
                    advisory,
                    aliases,
                    package,
                    version,
                    verdict.fixed,
                    rating,
                    score,
                    str(record.get("summary") or ""),
                )
            )
    result.findings.sort(key=lambda f: (-SEVERITIES.index(f.severity), f.package.name, f.advisory))
    return result
