"""`dockwise image`: the layer table and the totals, as text or JSON."""

from __future__ import annotations

import json

from dockwise.diagnostics import Diagnostic
from dockwise.image.archive import Image


def image_findings(image: Image, name: str) -> list[Diagnostic]:
    """Every image rule's findings (DW8xx)."""
    from dockwise.rules import all_rules
    from dockwise.rules.image._base import ImageContext, ImageRule

    context = ImageContext(image, name)
    return [d for rule in all_rules() if issubclass(rule, ImageRule) for d in rule().check(context)]


def render_text(image: Image, path: str) -> str:
    index = image.index
    lines = [f"{path} ({', '.join(image.tags) or 'untagged'})", ""]
    lines.append(
        f"{'layer':>5}  {'size':>10}  {'added':>6}  {'changed':>7}  {'removed':>7}  {'wasted':>10}  made by"
    )
    for summary, layer in zip(index.layers, image.layers, strict=False):
        lines.append(
            f"{summary.index + 1:>5}  {_bytes(summary.size):>10}  {summary.added:>6}  {summary.changed:>7}  "
            f"{summary.removed:>7}  {_bytes(summary.wasted_here):>10}  {layer.created_by[:80]}"
        )
    lines += [
        "",
        f"image size {_bytes(index.size)}; wasted {_bytes(index.wasted)} "
        f"(bytes written by one layer and hidden by a later one, each version counted once)",
        f"dive's figures for comparison: efficiency {index.dive_efficiency:.2%}, "
        f"wasted {_bytes(index.dive_wasted_bytes)} (dive counts every copy)",
    ]
    biggest = sorted(index.shadowed, key=lambda entry: entry.size, reverse=True)[:10]
    if biggest:
        lines += ["", "largest hidden files (still in the image's layers):"]
        lines += [f"  {_bytes(e.size):>10}  /{e.path} (layer {e.layer + 1})" for e in biggest]
    findings = image_findings(image, path)
    if findings:
        lines += ["", "findings:"]
        lines += [f"  {d.code} [{d.severity}] {d.message}" for d in findings]
    return "\n".join(lines) + "\n"


def render_json(image: Image, path: str) -> str:
    index = image.index
    document = {
        "path": path,
        "tags": image.tags,
        "size": index.size,
        "wasted_bytes": index.wasted,
        "dive_efficiency": index.dive_efficiency,
        "dive_wasted_bytes": index.dive_wasted_bytes,
        "layers": [
            {
                "index": summary.index,
                "digest": layer.digest,
                "created_by": layer.created_by,
                "size": summary.size,
                "added": summary.added,
                "changed": summary.changed,
                "removed": summary.removed,
                "wasted": summary.wasted_here,
            }
            for summary, layer in zip(index.layers, image.layers, strict=False)
        ],
        "diagnostics": [
            {"code": d.code, "rule": d.rule, "severity": str(d.severity), "message": d.message}
            for d in image_findings(image, path)
        ],
        "hidden_files": [
            {"path": f"/{e.path}", "size": e.size, "layer": e.layer} for e in index.shadowed if e.size
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{count} B"
