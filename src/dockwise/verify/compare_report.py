"""`verify --compare`'s report: both images' size and layers, the reduction, each probe side by side and
what differs, as text, JSON or JUnit XML (a test case per probe, failed when the rewrite made it worse)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from dockwise.verify.compare import CompareReport, Difference, worst_by_name
from dockwise.verify.report import as_document
from dockwise.verify.run import VerifyReport
from dockwise.verify.verdicts import SKIP, Probe

_MARKS = {"pass": "PASS", "fail": "FAIL", "warn": "WARN", "skip": "SKIP"}


def render_text(report: CompareReport) -> str:
    original, rewritten = report.original, report.rewritten
    lines = [f"compare {original.subject} with {rewritten.subject if rewritten else 'its rewrite'}"]
    lines.append(f"  original   {_image(original)}")
    if rewritten is None:
        lines.append(f"  rewritten  does not build: {report.build_error}")
        lines.append("FAILED: the rewritten Dockerfile does not build")
        return "\n".join(lines) + "\n"
    lines.append(f"  rewritten  {_image(rewritten)}")
    lines.append(f"  {_reduction(report)}")
    before, after = worst_by_name(original.probes), worst_by_name(rewritten.probes)
    lines.append(f"  {'probe':<18} {'original':<9} rewritten")
    for name in dict.fromkeys([*before, *after]):
        lines.append(f"  {name:<18} {_mark(before.get(name)):<9} {_mark(after.get(name))}")
    # once the rewrite does not start, the probes skipped for it (nothing running to measure) say no more
    unmeasured = [] if not _starts_worse(report) else [d for d in report.regressions if _skipped(d)]
    for difference in report.differences:
        if difference in unmeasured:
            continue
        label = "WORSE " if difference.worse else "differs"
        lines.append(f"  {label} {difference.probe}: {difference.why}")
        for side, probe in (("original", difference.original), ("rewritten", difference.rewritten)):
            if probe is not None:
                lines.append(f"      {side}: {probe.summary}")
    if unmeasured:
        names = ", ".join(difference.probe for difference in unmeasured)
        lines.append(f"  WORSE  {names}: not measured, the rewrite was not running")
    seconds = original.seconds + rewritten.seconds
    regressions = report.regressions
    if regressions:
        names = ", ".join(difference.probe for difference in regressions)
        lines.append(
            f"FAILED: the rewrite makes {len(regressions)} probe(s) worse ({names}), in {seconds:.1f} s"
        )
    else:
        kept = "keeps every probe's result" if not report.differences else "makes no probe worse"
        lines.append(f"the rewrite {kept}, in {seconds:.1f} s")
    return "\n".join(lines) + "\n"


def render_json(report: CompareReport) -> str:
    rewritten = report.rewritten
    document = {
        "original": as_document(report.original),
        "rewritten": as_document(rewritten) if rewritten is not None else None,
        "build_error": report.build_error,
        "size": {
            "original_bytes": report.original.image_size,
            "rewritten_bytes": rewritten.image_size if rewritten is not None else None,
            "saved_bytes": report.saved_bytes,
            "reduction_percent": _round(report.reduction_percent),
        },
        "layers": {
            "original": report.original.layers,
            "rewritten": rewritten.layers if rewritten is not None else None,
        },
        "differences": [_difference(difference) for difference in report.differences],
        "failed": report.failed,
    }
    return json.dumps(document, indent=2, default=str) + "\n"


def render_junit(report: CompareReport) -> str:
    rewritten = report.rewritten
    names = list(dict.fromkeys(probe.name for probe in report.original.probes))
    if rewritten is not None:
        names += [name for name in dict.fromkeys(p.name for p in rewritten.probes) if name not in names]
    seconds = report.original.seconds + (rewritten.seconds if rewritten is not None else 0.0)
    suite = ElementTree.Element(
        "testsuite",
        name=f"dockwise verify --compare {report.original.subject}",
        tests=str(len(names) + 1),
        failures=str(len(report.regressions) + (rewritten is None)),
        time=f"{seconds:.2f}",
    )
    build = ElementTree.SubElement(suite, "testcase", classname="dockwise.compare", name="build")
    if rewritten is None:
        ElementTree.SubElement(
            build, "failure", message="the rewritten Dockerfile does not build"
        ).text = report.build_error
        return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
    ElementTree.SubElement(build, "system-out").text = _reduction(report)
    by_probe = {difference.probe: difference for difference in report.differences}
    for name in names:
        case = ElementTree.SubElement(suite, "testcase", classname="dockwise.compare", name=name)
        difference = by_probe.get(name)
        if difference is not None and difference.worse:
            ElementTree.SubElement(case, "failure", message=difference.why).text = json.dumps(
                _difference(difference), default=str
            )
        elif difference is not None:
            ElementTree.SubElement(case, "system-out").text = difference.why
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def _image(report: VerifyReport) -> str:
    size = "size unknown" if report.image_size is None else f"{report.image_size / 1e6:.1f} MB"
    built = f", built in {report.build.seconds:.1f} s" if report.build is not None else ""
    return f"{size}, {report.layers} layers{built}"


def _reduction(report: CompareReport) -> str:
    saved, percent = report.saved_bytes, report.reduction_percent
    if saved is None or percent is None:
        return "size change unknown"
    assert report.rewritten is not None
    layers = ""
    if report.original.layers is not None and report.rewritten.layers is not None:
        change = report.original.layers - report.rewritten.layers
        layers = f", {abs(change)} {'fewer' if change >= 0 else 'more'} layers"
    if saved >= 0:
        return f"smaller by {saved / 1e6:.1f} MB ({percent:.1f}%){layers}"
    return f"LARGER by {-saved / 1e6:.1f} MB ({-percent:.1f}%){layers}"


def _starts_worse(report: CompareReport) -> bool:
    return any(difference.probe == "starts" for difference in report.regressions)


def _skipped(difference: Difference) -> bool:
    return difference.rewritten is not None and difference.rewritten.status == SKIP


def _mark(probe: Probe | None) -> str:
    return "-" if probe is None else _MARKS[probe.status]


def _difference(difference: Difference) -> dict[str, Any]:
    def side(probe: Probe | None) -> dict[str, Any] | None:
        if probe is None:
            return None
        return {"status": probe.status, "summary": probe.summary, "values": probe.values}

    return {
        "probe": difference.probe,
        "worse": difference.worse,
        "why": difference.why,
        "original": side(difference.original),
        "rewritten": side(difference.rewritten),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
