"""Views of a stage graph (`dockwise graph`): text, Mermaid, DOT, SVG and JSON.

The SVG is drawn here rather than by Graphviz: the graph is small and layered by construction (a stage's
wave is its column), so a column layout needs no graph-layout engine, and the HTML report can inline the
picture with no program installed. DOT is there for people who want Graphviz's own rendering.
"""

from __future__ import annotations

import itertools
import json
from html import escape

from dockwise.dockerfile.stage_graph import StageEdge, StageGraph, StageNode

_EDGE_WORDS = {"from": "FROM", "copy": "COPY --from", "mount": "RUN --mount"}


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _cost(graph: StageGraph, node: StageNode) -> str:
    if graph.measured:
        return f"{node.cost:.1f} s"
    return _count(node.steps, "step")


def _path_cost(graph: StageGraph) -> str:
    total = sum(node.cost for node in graph.critical_path)
    return f"{total:.1f} s" if graph.measured else _count(int(total), "step")


def render_text(graph: StageGraph, path: str) -> str:
    built = [node for node in graph.nodes if node.built]
    target = graph.target.label if graph.target else "?"
    lines = [f"{path}: {len(graph.nodes)} stage{'s' if len(graph.nodes) != 1 else ''}, target {target}"]
    for number, wave in enumerate(graph.waves, start=1):
        together = " (run at the same time)" if len(wave) > 1 else ""
        lines.append(f"  wave {number}{together}:")
        for node in wave:
            lines.append(f"    {node.label}  FROM {node.base}, {_cost(graph, node)}")
            for edge in _edges_into(graph, node):
                lines.append(f"      uses {edge.source.label} ({_EDGE_WORDS[edge.kind]}, line {edge.line})")
    if graph.critical_path:
        chain = " -> ".join(node.label for node in graph.critical_path)
        basis = "measured" if graph.measured else "by build steps"
        lines.append(f"  critical path ({basis}): {chain}, {_path_cost(graph)}")
    if graph.left_out:
        names = ", ".join(node.label for node in graph.left_out)
        lines.append(f"  not built for target {target}: {names}")
    lines.append(
        f"  {len(built)} of {_count(len(graph.nodes), 'stage')} built, in {_count(len(graph.waves), 'wave')}"
    )
    return "\n".join(lines) + "\n"


def _edges_into(graph: StageGraph, node: StageNode) -> list[StageEdge]:
    return [edge for edge in graph.edges if edge.target is node]


def _id(node: StageNode) -> str:
    return f"s{node.stage.index}"


def _critical_edges(graph: StageGraph) -> set[tuple[int, int]]:
    chain = graph.critical_path
    return {(a.stage.index, b.stage.index) for a, b in itertools.pairwise(chain)}


def render_mermaid(graph: StageGraph) -> str:
    lines = ["flowchart LR"]
    for node in graph.nodes:
        text = f"{node.label}<br/>{node.base}<br/>{_cost(graph, node)}".replace('"', "#quot;")
        lines.append(f'  {_id(node)}["{text}"]')
    for edge in graph.edges:
        lines.append(f"  {_id(edge.source)} -->|{_EDGE_WORDS[edge.kind]} l.{edge.line}| {_id(edge.target)}")
    critical = {node.stage.index for node in graph.critical_path}
    lines.append("  classDef critical stroke-width:3px,stroke:#d9480f")
    lines.append("  classDef unused stroke-dasharray: 5 5,color:#868e96")
    if critical:
        lines.append("  class " + ",".join(f"s{index}" for index in sorted(critical)) + " critical")
    if graph.left_out:
        lines.append("  class " + ",".join(_id(node) for node in graph.left_out) + " unused")
    return "\n".join(lines) + "\n"


def render_dot(graph: StageGraph) -> str:
    critical_nodes = {node.stage.index for node in graph.critical_path}
    critical_edges = _critical_edges(graph)
    lines = ["digraph stages {", "  rankdir=LR;", '  node [shape=box, style=rounded, fontname="sans-serif"];']
    for node in graph.nodes:
        label = f"{node.label}\\n{node.base}\\n{_cost(graph, node)}".replace('"', '\\"')
        style = ""
        if node.stage.index in critical_nodes:
            style = ', penwidth=3, color="#d9480f"'
        elif not node.built:
            style = ', style="rounded,dashed", fontcolor="#868e96"'
        lines.append(f'  {_id(node)} [label="{label}"{style}];')
    for edge in graph.edges:
        bold = (
            ', penwidth=2, color="#d9480f"'
            if (edge.source.stage.index, edge.target.stage.index) in critical_edges
            else ""
        )
        label = f"{_EDGE_WORDS[edge.kind]} l.{edge.line}"
        lines.append(f'  {_id(edge.source)} -> {_id(edge.target)} [label="{label}"{bold}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_json(graph: StageGraph, path: str) -> str:
    document = {
        "path": path,
        "target": graph.target.label if graph.target else None,
        "stages": [
            {
                "index": node.stage.index,
                "name": node.stage.name,
                "base": node.base,
                "line": node.stage.from_instruction.start_line,
                "steps": node.steps,
                "cost": node.cost,
                "built": node.built,
                "wave": node.wave,
            }
            for node in graph.nodes
        ],
        "edges": [
            {
                "from": edge.source.stage.index,
                "to": edge.target.stage.index,
                "kind": edge.kind,
                "line": edge.line,
            }
            for edge in graph.edges
        ],
        "waves": [[node.stage.index for node in wave] for wave in graph.waves],
        "critical_path": [node.stage.index for node in graph.critical_path],
        "cost_unit": "seconds" if graph.measured else "steps",
        "not_built": [node.stage.index for node in graph.left_out],
    }
    return json.dumps(document, indent=2) + "\n"


_BOX_WIDTH, _BOX_HEIGHT, _COLUMN_GAP, _ROW_GAP, _MARGIN = 200, 58, 90, 28, 20


def render_svg(graph: StageGraph) -> str:
    """Columns left to right by wave (stages the target does not build in a last, dashed column); the
    critical path in orange."""
    columns: list[list[StageNode]] = [list(wave) for wave in graph.waves]
    if graph.left_out:
        columns.append(list(graph.left_out))
    where: dict[int, tuple[int, int]] = {}
    for column, nodes in enumerate(columns):
        for row, node in enumerate(nodes):
            x = _MARGIN + column * (_BOX_WIDTH + _COLUMN_GAP)
            y = _MARGIN + row * (_BOX_HEIGHT + _ROW_GAP)
            where[node.stage.index] = (x, y)
    width = _MARGIN * 2 + max(len(columns), 1) * (_BOX_WIDTH + _COLUMN_GAP) - _COLUMN_GAP
    height = (
        _MARGIN * 2 + max((len(nodes) for nodes in columns), default=1) * (_BOX_HEIGHT + _ROW_GAP) - _ROW_GAP
    )
    critical_nodes = {node.stage.index for node in graph.critical_path}
    critical_edges = _critical_edges(graph)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" role="img">',
        "<title>Stage graph</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" '
        'markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="#495057"/></marker></defs>',
    ]
    for edge in graph.edges:
        (x1, y1), (x2, y2) = where[edge.source.stage.index], where[edge.target.stage.index]
        start = (x1 + _BOX_WIDTH, y1 + _BOX_HEIGHT // 2)
        end = (x2, y2 + _BOX_HEIGHT // 2)
        if x2 <= x1:  # a left-out stage using an earlier one, or a stage drawn in the same column
            start, end = (x1 + _BOX_WIDTH // 2, y1 + _BOX_HEIGHT), (x2 + _BOX_WIDTH // 2, y2)
        middle = (start[0] + end[0]) / 2
        on_path = (edge.source.stage.index, edge.target.stage.index) in critical_edges
        colour, stroke = ("#d9480f", 2.5) if on_path else ("#495057", 1.2)
        dashed = ' stroke-dasharray="5 4"' if not edge.target.built else ""
        curve = f"M {start[0]} {start[1]} C {middle} {start[1]}, {middle} {end[1]}, {end[0]} {end[1]}"
        tip = f"{edge.target.label} uses {edge.source.label}: {_EDGE_WORDS[edge.kind]} on line {edge.line}"
        parts.append(
            f'<path class="edge" d="{curve}" fill="none" stroke="{colour}" stroke-width="{stroke}"{dashed} '
            f'marker-end="url(#arrow)"><title>{escape(tip)}</title></path>'
        )
    for node in graph.nodes:
        x, y = where[node.stage.index]
        on_path = node.stage.index in critical_nodes
        outline = "#d9480f" if on_path else "#495057"
        dash = ' stroke-dasharray="5 4"' if not node.built else ""
        fill = "#fff4e6" if on_path else "#f8f9fa" if node.built else "#ffffff"
        base = node.base if len(node.base) <= 30 else node.base[:29] + "…"
        parts.append(
            f'<g class="stage" data-stage="{escape(node.label)}">'
            f'<rect x="{x}" y="{y}" width="{_BOX_WIDTH}" height="{_BOX_HEIGHT}" rx="8" fill="{fill}" '
            f'stroke="{outline}" stroke-width="{2.5 if on_path else 1.2}"{dash}/>'
            f'<text x="{x + 10}" y="{y + 20}" font-weight="bold">{escape(node.label)}</text>'
            f'<text x="{x + 10}" y="{y + 36}" fill="#495057">{escape(base)}</text>'
            f'<text x="{x + 10}" y="{y + 51}" fill="#868e96">{escape(_cost(graph, node))}'
            f"{'' if node.built else ' · not built'}</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
