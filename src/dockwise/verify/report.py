"""verify's report: a verdict per probe as text, JSON or JUnit XML (one test case per probe)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from dockwise.verify.run import VerifyReport
from dockwise.verify.verdicts import FAIL, SKIP, WARN

_MARKS = {"pass": "PASS", "fail": "FAIL", "warn": "WARN", "skip": "SKIP"}


def render_text(report: VerifyReport) -> str:
    lines = [f"verify {report.subject}"]
    if report.build is not None:
        lines.append(
            f"  built in {report.build.seconds:.1f} s: {len(report.build.steps)} steps, "
            f"{_mb(report.image_size)}, {report.layers} layers"
        )
    elif report.image_size is not None:
        lines.append(f"  image {report.image}: {_mb(report.image_size)}, {report.layers} layers")
    for probe in report.probes:
        lines.append(f"  {_MARKS[probe.status]}  {probe.name:<18} {probe.summary}")
    failed = sum(probe.status == FAIL for probe in report.probes)
    warned = sum(probe.status == WARN for probe in report.probes)
    verdict = f"{failed} failed" if failed else "all probes passed"
    lines.append(f"{verdict}, {warned} warnings, in {report.seconds:.1f} s")
    return "\n".join(lines) + "\n"


def render_json(report: VerifyReport) -> str:
    return json.dumps(as_document(report), indent=2, default=str) + "\n"


def as_document(report: VerifyReport) -> dict[str, Any]:
    """The JSON report as data (`verify --compare` nests one per image)."""
    build = report.build
    return {
        "subject": report.subject,
        "image": report.image,
        "image_size": report.image_size,
        "layers": report.layers,
        "seconds": round(report.seconds, 2),
        "run_id": report.run_id,
        "build": None
        if build is None
        else {
            "seconds": round(build.seconds, 2),
            "steps": [
                {"stage": s.stage, "instruction": s.instruction, "cached": s.cached, "seconds": s.seconds}
                for s in build.steps
            ],
        },
        "probes": [
            {"name": p.name, "status": p.status, "summary": p.summary, "values": p.values}
            for p in report.probes
        ],
        "failed": report.failed,
    }


def render_junit(report: VerifyReport) -> str:
    suite = ElementTree.Element(
        "testsuite",
        name=f"dockwise verify {report.subject}",
        tests=str(len(report.probes)),
        failures=str(sum(p.status == FAIL for p in report.probes)),
        skipped=str(sum(p.status == SKIP for p in report.probes)),
        time=f"{report.seconds:.2f}",
    )
    for probe in report.probes:
        case = ElementTree.SubElement(suite, "testcase", classname="dockwise.verify", name=probe.name)
        if probe.status == FAIL:
            ElementTree.SubElement(case, "failure", message=probe.summary).text = json.dumps(
                probe.values, default=str
            )
        elif probe.status == SKIP:
            ElementTree.SubElement(case, "skipped", message=probe.summary)
        else:
            ElementTree.SubElement(case, "system-out").text = probe.summary
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def _mb(count: int | None) -> str:
    return "size unknown" if count is None else f"{count / 1e6:.1f} MB"
