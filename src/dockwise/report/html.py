"""`dockwise report`: one self-contained HTML page for a whole project.

The page is a view over what the other commands compute: the lint findings (with the source lines around
each), the stage graph of every Dockerfile (the SVG `dockwise graph` draws), and, when given, an image's
layers, wasted bytes and largest files (`dockwise image`'s figures, `--compare` for a before/after),
`dockwise verify --format json` results as a timeline, and `dockwise scan --format json` vulnerabilities
by severity. Everything is inlined (CSS, a small script for the filters, the SVGs): it works offline and
can be attached to a CI run. Jinja2 renders it (autoescaped); the filters live in the URL's fragment
(`#severity=error,warning&rule=DW101`), so a filtered view can be linked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape  # a plain str per field: markupsafe's escape made a Markup object for each
from typing import Any

from markupsafe import Markup

from dockwise.diagnostics import Applicability, Severity, SourceText
from dockwise.lint import LintReport
from dockwise.report.positions import span_of

_FROM_LINE = re.compile(r"^[ \t]*from[ \t]", re.IGNORECASE | re.MULTILINE)
"""A line that starts a stage (ONBUILD FROM does not exist; a heredoc line starting with FROM only costs a
parse)."""

EXCERPT_CONTEXT = 2
"""Source lines shown above and below a finding's first line."""
MAX_EXCERPT_WIDTH = 200


@dataclass
class ImageSection:
    name: str
    document: Mapping[str, Any]
    """`dockwise image --format json`'s document."""
    compare_name: str | None = None
    comparison: Mapping[str, Any] | None = None


@dataclass
class ReportInputs:
    report: LintReport
    graphs: Mapping[str, str] = field(default_factory=dict)
    """Dockerfile path -> the stage graph's SVG."""
    images: Sequence[ImageSection] = ()
    verify: Sequence[Mapping[str, Any]] = ()
    scans: Sequence[Mapping[str, Any]] = ()
    title: str = "dockwise report"


def render(inputs: ReportInputs) -> str:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("dockwise.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["bytes"] = _bytes
    template = environment.get_template("report.html.j2")
    files = _files(inputs.report, inputs.graphs)
    findings = [finding for file in files for finding in file["findings"]]
    by_severity = Counter(finding["severity"] for finding in findings)
    return template.render(
        title=inputs.title,
        files=files,
        total=len(findings),
        files_checked=len(inputs.report.files),
        severities=[(str(s), by_severity[str(s)]) for s in Severity],
        categories=sorted({finding["category"] for finding in findings}),
        rules=sorted({finding["code"] for finding in findings}),
        top_rules=_top_rules(findings),
        graphs=inputs.graphs,
        images=[_image(section) for section in inputs.images],
        verify=[_verify(document) for document in inputs.verify],
        scans=[_scan(document) for document in inputs.scans],
        problems=list(inputs.report.problems),
    )


def _files(report: LintReport, graphs: Mapping[str, str]) -> list[dict[str, Any]]:
    """The files with something to show: findings, a read error, or a stage graph."""
    files = []
    for result in report.files:
        if not result.diagnostics and not result.error and result.path not in graphs:
            continue
        source = SourceText(result.path, result.text) if result.text is not None else None
        lines: dict[int, str] = {}
        findings = []
        for diagnostic in result.diagnostics:
            span = span_of(diagnostic, source)
            fix = diagnostic.fix
            findings.append(
                {
                    "code": diagnostic.code,
                    "rule": diagnostic.rule,
                    "severity": str(diagnostic.severity),
                    "category": str(diagnostic.category),
                    "message": diagnostic.message,
                    "notes": list(diagnostic.notes),
                    "subject": diagnostic.subject,
                    "line": span.start.line if span else None,
                    "column": span.start.column if span else None,
                    "fix": None
                    if fix is None or fix.applicability is Applicability.SUGGESTION
                    else str(fix.applicability),
                    "excerpt": (
                        _excerpt(source, span.start.line, span.end.line, lines) if span and source else ""
                    ),
                }
            )
        for finding in findings:
            finding["html"] = _finding_html(finding, result.path)
        counts = Counter(finding["severity"] for finding in findings)
        fixable = sum(1 for finding in findings if finding["fix"])
        files.append(
            {
                "path": result.path,
                "error": result.error,
                "findings": findings,
                "counts": counts,
                "fixable": fixable,
            }
        )
    return files


_FIX_WORDS = {"safe": "fixable: dockwise fix", "unsafe": "fixable with --unsafe-fixes"}


def _finding_html(finding: Mapping[str, Any], path: str) -> Markup:
    """One finding as escaped HTML, with the data the page's filters read. Written here, not in the
    template: Jinja's attribute lookups and escapes per field cost a corpus-wide report (18,000 findings)
    two seconds."""
    severity, code = escape(finding["severity"]), escape(finding["code"])
    where = (
        f'<span class="where">{escape(path)}:{finding["line"]}:{finding["column"]}</span>'
        if finding["line"]
        else ""
    )
    subject = f'<span class="subject">{escape(finding["subject"])}</span>' if finding["subject"] else ""
    fix = f'<span class="fix">{_FIX_WORDS[finding["fix"]]}</span>' if finding["fix"] in _FIX_WORDS else ""
    notes = "".join(f'<div class="note">note: {escape(note)}</div>' for note in finding["notes"])
    excerpt = f'<pre class="excerpt">{finding["excerpt"]}</pre>' if finding["excerpt"] else ""
    return Markup(
        f'<div class="finding" data-severity="{severity}" data-category="{escape(finding["category"])}" '
        f'data-rule="{code}"><div class="head"><span class="badge {severity}">{severity}</span> '
        f'<span class="code" title="{escape(finding["rule"])}">{code}</span> {where} {subject} '
        f'<span class="message">{escape(finding["message"])}</span> {fix}</div>{notes}{excerpt}</div>'
    )


def _top_rules(findings: Sequence[Mapping[str, Any]], count: int = 10) -> list[dict[str, Any]]:
    tally = Counter((f["code"], f["rule"], f["category"]) for f in findings)
    return [
        {"code": code, "name": name, "category": category, "count": number}
        for (code, name, category), number in tally.most_common(count)
    ]


def _excerpt(source: SourceText, first: int, last: int, lines: dict[int, str]) -> Markup:
    """The finding's lines (marked) with a little context, cut to a readable width, as escaped HTML: built
    here rather than in the template, where a loop per line cost a corpus-wide report a second. `lines`
    keeps each line's HTML for the file's other findings, which mostly show the same lines."""
    start = max(1, first - EXCERPT_CONTEXT)
    end = min(source.line_count, max(first, min(last, first + 6)) + EXCERPT_CONTEXT)
    parts = []
    for number in range(start, end + 1):
        html = lines.get(number)
        if html is None:
            text = source.line_text(number).expandtabs(4)
            if len(text) > MAX_EXCERPT_WIDTH:
                text = text[:MAX_EXCERPT_WIDTH] + "…"
            html = lines[number] = f'<span class="number">{number}</span>{escape(text)}</span>\n'
        parts.append('<span class="hit">' if first <= number <= last else "<span>")
        parts.append(html)
    return Markup("".join(parts))


def _image(section: ImageSection) -> dict[str, Any]:
    document = section.document
    layers = list(document.get("layers", []))
    largest = max((layer.get("size", 0) for layer in layers), default=0) or 1
    bars = [
        {
            "index": layer.get("index"),
            "size": layer.get("size", 0),
            "wasted": layer.get("wasted", 0),
            "width": round(100 * layer.get("size", 0) / largest, 2),
            "wasted_width": round(100 * layer.get("wasted", 0) / largest, 2),
            "label": (layer.get("created_by") or "").strip() or "(no history)",
        }
        for layer in layers
    ]
    return {
        "name": section.name,
        "size": document.get("size", 0),
        "final_size": document.get("final_size", 0),
        "wasted": document.get("wasted", 0),
        "user_wasted": document.get("user_wasted", 0),
        "efficiency": document.get("dive_efficiency", 0.0),
        "bars": bars,
        "largest_files": list(document.get("largest_files", []))[:10],
        "findings": list(document.get("diagnostics", [])),
        "compare_name": section.compare_name,
        "comparison": section.comparison,
    }


def _verify(document: Mapping[str, Any]) -> dict[str, Any]:
    """A verify run as a timeline: started, healthy after N s, stopped in M s with an exit code; and peak
    memory against the limit."""
    probes = {probe.get("name"): probe for probe in document.get("probes", [])}
    health = probes.get("health", {}).get("values", {}) or {}
    stop = probes.get("sigterm", {}).get("values", {}) or {}
    limits = probes.get("limits", {}).get("values", {}) or {}
    healthy = health.get("seconds")
    stopped = stop.get("stop_seconds")
    grace = stop.get("grace_seconds")
    span = max(float(healthy or 0) + float(stopped or 0), float(grace or 0), 1.0)
    peak, limit = limits.get("peak_bytes"), limits.get("limit_bytes")
    return {
        "subject": document.get("subject", "?"),
        "failed": bool(document.get("failed")),
        "probes": [
            {"name": p.get("name"), "status": p.get("status"), "summary": p.get("summary")}
            for p in document.get("probes", [])
        ],
        "healthy": healthy,
        "stopped": stopped,
        "exit_code": stop.get("exit_code"),
        "grace": grace,
        "healthy_width": round(100 * float(healthy or 0) / span, 2),
        "stop_width": round(100 * float(stopped or 0) / span, 2),
        "peak": peak,
        "limit": limit,
        "memory_width": round(100 * peak / limit, 2) if peak and limit else None,
    }


_SCAN_ORDER = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")


def _scan(document: Mapping[str, Any]) -> dict[str, Any]:
    vulnerabilities = list(document.get("vulnerabilities", []))
    counts = Counter(str(v.get("severity", "UNKNOWN")).upper() for v in vulnerabilities)
    most = max(counts.values(), default=0) or 1
    return {
        "target": document.get("target", "?"),
        "total": len(vulnerabilities),
        "severities": [
            {"name": name, "count": counts[name], "width": round(100 * counts[name] / most, 2)}
            for name in _SCAN_ORDER
        ],
        "rows": vulnerabilities[:200],
    }


def _bytes(count: Any) -> str:
    from dockwise.image.figures import format_bytes

    try:
        return format_bytes(int(count))
    except (TypeError, ValueError):
        return "?"


def stage_graph_svgs(report: LintReport, dockerfiles: Collection[str]) -> dict[str, str]:
    """The stage graph SVG of every multi-stage Dockerfile of the report (its text as the lint read it),
    drawn on every CPU like the lint; files with one stage, or that do not parse, get none."""
    from dockwise.parallel import map_files

    items = [
        (result.path, result.text)
        for result in report.files
        if result.path in dockerfiles and result.text and len(_FROM_LINE.findall(result.text)) >= 2
    ]
    return {path: svg for (path, _), svg in zip(items, map_files(_graph_svg, items), strict=True) if svg}


def _graph_svg(item: tuple[str, str]) -> str | None:
    from dockwise.dockerfile import DockerfileSyntaxError, parse
    from dockwise.dockerfile.stage_graph import stage_graph
    from dockwise.report.graph import render_svg

    path, text = item
    try:
        dockerfile = parse(text, path)
    except DockerfileSyntaxError:
        return None
    if len(dockerfile.build.stages) < 2:
        return None
    return render_svg(stage_graph(dockerfile.build))
