"""`dockwise scan` output: a table, JSON, or SARIF 2.1.0 (one result per advisory and package)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from dockwise import __version__
from dockwise.vulndb.ignore import Ignore
from dockwise.vulndb.match import Finding, ScanResult
from dockwise.vulndb.osv import SEVERITIES

_SARIF_LEVELS = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note", "UNKNOWN": "note"}


def render_table(result: ScanResult, name: str, ignored: int, expired: list[Ignore]) -> str:
    counts = Counter(f.severity for f in result.findings)
    summary = ", ".join(f"{counts[s]} {s.lower()}" for s in reversed(SEVERITIES) if counts[s]) or "none"
    lines = [f"{name}: {len(result.findings)} vulnerabilities ({summary}); {ignored} ignored"]
    for finding in result.findings:
        fixed = finding.fixed or "no fix yet"
        cve = next((a for a in finding.aliases if a.startswith("CVE-")), "")
        label = f"{finding.advisory}" + (f" ({cve})" if cve and cve != finding.advisory else "")
        lines.append(
            f"  {finding.severity:<8} {label:<40} {finding.package.name} {finding.installed} -> {fixed}"
            + (f"  {finding.summary[:70]}" if finding.summary else "")
        )
    for package, advisory, why in result.undecided:
        lines.append(
            f"  cannot tell whether {package.name} {package.version} is affected by {advisory}: {why}"
        )
    for ignore in expired:
        lines.append(
            f"  note: {ignore.where}: the acceptance of {ignore.advisory} expired on {ignore.expires}"
        )
    if result.skipped:
        lines.append(f"  {len(result.skipped)} packages not matched (no advisory source for their ecosystem)")
    return "\n".join(lines) + "\n"


def render_json(result: ScanResult, name: str, ignored: int, expired: list[Ignore]) -> str:
    document = {
        "target": name,
        "ignored": ignored,
        "expired_ignores": [
            {"advisory": i.advisory, "expired": str(i.expires), "where": i.where} for i in expired
        ],
        "vulnerabilities": [_finding(f) for f in result.findings],
        "undecided": [
            {"package": p.name, "version": p.version, "advisory": a, "reason": why}
            for p, a, why in result.undecided
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def render_sarif(result: ScanResult, name: str, ignored: int, expired: list[Ignore]) -> str:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for finding in result.findings:
        rules.setdefault(
            finding.advisory,
            {
                "id": finding.advisory,
                "shortDescription": {"text": finding.summary or finding.advisory},
                "helpUri": f"https://osv.dev/vulnerability/{finding.advisory}",
                "properties": {"security-severity": str(finding.score or _nominal(finding.severity))},
            },
        )
        fixed = f", fixed in {finding.fixed}" if finding.fixed else ", no fix yet"
        results.append(
            {
                "ruleId": finding.advisory,
                "level": _SARIF_LEVELS[finding.severity],
                "message": {
                    "text": f"{finding.package.name} {finding.installed} is affected by {finding.advisory} "
                    f"({finding.severity.lower()}{fixed})"
                },
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": finding.package.path}}}],
            }
        )
    document = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dockwise",
                        "version": __version__,
                        "informationUri": "https://osv.dev",
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _finding(finding: Finding) -> dict[str, Any]:
    package = finding.package
    return {
        "advisory": finding.advisory,
        "aliases": list(finding.aliases),
        "severity": finding.severity,
        "score": finding.score,
        "package": package.name,
        "type": package.type,
        "version": package.version,
        "compared_version": finding.installed,
        "fixed": finding.fixed,
        "purl": package.purl,
        "layer": package.layer,
        "path": "/" + package.path,
        "summary": finding.summary,
    }


def _nominal(severity: str) -> float:
    return {"CRITICAL": 9.5, "HIGH": 8.0, "MEDIUM": 5.5, "LOW": 2.0}.get(severity, 0.0)


RENDERERS = {"table": render_table, "json": render_json, "sarif": render_sarif}
