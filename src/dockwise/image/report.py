"""`dockwise image`: the layer table, the figures, where the bytes are, the findings and CI verdicts, as text
or JSON; and `--compare`, two images side by side with the directories that differ."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dockwise.diagnostics import Diagnostic
from dockwise.image.archive import Image
from dockwise.image.figures import directory_sizes, figures, format_bytes, largest_files

if TYPE_CHECKING:
    from dockwise.config import Settings
    from dockwise.image.thresholds import Verdict

COMPARE_ROWS = 15


def image_findings(image: Image, name: str, settings: Settings | None = None) -> list[Diagnostic]:
    """Every selected image rule's findings (DW8xx), with the config's ignores and severities applied."""
    from dockwise.config import Settings, apply_settings
    from dockwise.rules import all_rules
    from dockwise.rules.image._base import ImageContext, ImageRule
    from dockwise.suppress import is_selected

    settings = settings or Settings()
    enable = settings.enabled_by_overrides()
    context = ImageContext(image, name)
    found = [
        diagnostic
        for rule in all_rules()
        if issubclass(rule, ImageRule) and is_selected(rule, settings.select, settings.ignore, enable)
        for diagnostic in rule().check(context)
    ]
    return apply_settings(found, name, settings)


def render_text(
    image: Image, path: str, findings: Sequence[Diagnostic], verdicts: Sequence[Verdict] = ()
) -> str:
    index = image.index
    numbers = figures(image)
    lines = [f"{path} ({', '.join(image.tags) or 'untagged'}, {image.layout})", ""]
    lines.append(
        f"{'layer':>5}  {'size':>10}  {'added':>6}  {'changed':>7}  {'removed':>7}  {'wasted':>10}  made by"
    )
    for summary, layer in zip(index.layers, image.layers, strict=False):
        base = "  (base)" if summary.index < numbers.base_layers else ""
        lines.append(
            f"{summary.index + 1:>5}  {format_bytes(summary.size):>10}  {summary.added:>6}  "
            f"{summary.changed:>7}  {summary.removed:>7}  {format_bytes(summary.wasted_here):>10}  "
            f"{layer.created_by[:80]}{base}"
        )
    boundary = "from the history" if numbers.base_from_history else "assumed: the first layer"
    layers = f"{numbers.layers} layer" + ("" if numbers.layers == 1 else "s")
    lines += [
        "",
        f"image size {format_bytes(numbers.size)} in {layers} "
        f"({format_bytes(numbers.final_size)} in the final filesystem); "
        f"base image: {numbers.base_layers} of the layers ({boundary})",
        f"wasted {format_bytes(numbers.wasted)} (bytes written by one layer and hidden by a later one, "
        f"each version counted once); this build's share {format_bytes(numbers.user_wasted)}, "
        f"{numbers.user_wasted_percent:.1%} of its {format_bytes(numbers.user_size)}",
        f"dive's figures for comparison: efficiency {numbers.dive_efficiency:.2%}, "
        f"wasted {format_bytes(numbers.dive_wasted_bytes)} (dive counts every copy)",
    ]
    hidden = sorted(index.shadowed, key=lambda entry: entry.size, reverse=True)[:10]
    if hidden:
        lines += ["", "largest hidden files (still in the image's layers):"]
        lines += [f"  {format_bytes(e.size):>10}  /{e.path} (layer {e.layer + 1})" for e in hidden]
    biggest = largest_files(image)
    if biggest:
        lines += ["", "largest files:"]
        lines += [f"  {format_bytes(size):>10}  {p} (layer {layer + 1})" for p, size, layer in biggest]
    directories = directory_sizes(image).most_common(10)
    if directories:
        lines += ["", "largest directories:"]
        lines += [f"  {format_bytes(size):>10}  {directory}" for directory, size in directories]
    if findings:
        lines += ["", "findings:"]
        lines += [f"  {d.code} [{d.severity}] {d.message}" for d in findings]
    if verdicts:
        lines += ["", "CI thresholds:"]
        lines += [f"  {v.status:<4}  {v.rule}: {v.detail}" for v in verdicts]
    return "\n".join(lines) + "\n"


def render_json(
    image: Image, path: str, findings: Sequence[Diagnostic], verdicts: Sequence[Verdict] = ()
) -> str:
    index = image.index
    document = {
        "path": path,
        "tags": image.tags,
        "layout": image.layout,
        **figures(image).to_json(),
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
                "hides": summary.hides,
            }
            for summary, layer in zip(index.layers, image.layers, strict=False)
        ],
        "history": [{"created_by": step.created_by, "layer": step.layer} for step in image.history],
        "diagnostics": [
            {
                "code": d.code,
                "rule": d.rule,
                "category": str(d.category),
                "severity": str(d.severity),
                "message": d.message,
                "layer": getattr(d.location, "digest", "") or None,
                "file": getattr(d.location, "file_path", None),
            }
            for d in findings
        ],
        "hidden_files": [
            {"path": f"/{e.path}", "size": e.size, "layer": e.layer} for e in index.shadowed if e.size
        ],
        "largest_files": [
            {"path": p, "size": size, "layer": layer} for p, size, layer in largest_files(image)
        ],
        "directories": [{"path": d, "size": size} for d, size in directory_sizes(image).most_common(50)],
        "ci": [{"rule": v.rule, "status": v.status, "detail": v.detail} for v in verdicts],
    }
    return json.dumps(document, indent=2) + "\n"


def comparison(before: Image, after: Image) -> dict[str, Any]:
    """Figures of both images and the directories whose size differs, largest change first."""
    sizes_before, sizes_after = directory_sizes(before), directory_sizes(after)
    changed = [d for d in set(sizes_before) | set(sizes_after) if sizes_after[d] != sizes_before[d]]
    changed.sort(key=lambda d: (-abs(sizes_after[d] - sizes_before[d]), d))
    changes = [
        {
            "path": d,
            "before": sizes_before[d],
            "after": sizes_after[d],
            "delta": sizes_after[d] - sizes_before[d],
        }
        for d in changed
    ]
    return {"before": figures(before).to_json(), "after": figures(after).to_json(), "directories": changes}


def render_compare_text(before: Image, after: Image, names: tuple[str, str]) -> str:
    data = comparison(before, after)
    a, b = data["before"], data["after"]
    width = max(len(names[0]), len(names[1]), 10)
    rows = [
        (
            "image size",
            format_bytes(a["size"]),
            format_bytes(b["size"]),
            _delta(b["size"] - a["size"], a["size"]),
        ),
        (
            "final filesystem",
            format_bytes(a["final_size"]),
            format_bytes(b["final_size"]),
            _delta(b["final_size"] - a["final_size"], a["final_size"]),
        ),
        ("layers", str(a["layers"]), str(b["layers"]), f"{b['layers'] - a['layers']:+d}"),
        (
            "wasted",
            format_bytes(a["wasted"]),
            format_bytes(b["wasted"]),
            _delta(b["wasted"] - a["wasted"], a["wasted"]),
        ),
    ]
    lines = [f"{'':<18}  {names[0]:>{width}}  {names[1]:>{width}}  change"]
    lines += [f"{label:<18}  {x:>{width}}  {y:>{width}}  {change}" for label, x, y, change in rows]
    if data["directories"]:
        lines += ["", f"directories that changed (largest first, {len(data['directories'])} in all):"]
        for row in data["directories"][:COMPARE_ROWS]:
            lines.append(
                f"  {_signed_bytes(row['delta']):>11}  {row['path']}  "
                f"({format_bytes(row['before'])} → {format_bytes(row['after'])})"
            )
    return "\n".join(lines) + "\n"


def render_compare_json(before: Image, after: Image, names: tuple[str, str]) -> str:
    return json.dumps({"names": list(names), **comparison(before, after)}, indent=2) + "\n"


def _delta(change: int, base: int) -> str:
    percent = f" ({change / base:+.1%})" if base else ""
    return f"{_signed_bytes(change)}{percent}"


def _signed_bytes(count: int) -> str:
    return ("+" if count > 0 else "-" if count < 0 else "") + format_bytes(abs(count))
