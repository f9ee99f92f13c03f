"""`dockwise graph`: the stage graph of a Dockerfile, as text, Mermaid, DOT, SVG or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from dockwise.errors import DockwiseError

FORMATS = ("text", "mermaid", "dot", "svg", "json")


def add_parser(commands: Any) -> None:
    graph = commands.add_parser(
        "graph",
        help="the stage graph of a Dockerfile: what the target builds, which stages run at the same time, "
        "the critical path",
    )
    graph.add_argument("path", metavar="PATH", help="a Dockerfile, or a directory with one")
    graph.add_argument("--target", metavar="STAGE", help="the stage to build (default: the last one)")
    graph.add_argument("--format", choices=FORMATS, default="text")
    graph.add_argument(
        "--build-arg",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a build argument, as `docker build` takes it (it can change which stage FROM names)",
    )
    graph.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")


def run_graph(arguments: argparse.Namespace) -> int:
    from dockwise.dockerfile import DockerfileSyntaxError, parse
    from dockwise.dockerfile.build import Build
    from dockwise.dockerfile.stage_graph import stage_graph
    from dockwise.lint import read_or_error
    from dockwise.report import graph as views

    path = Path(arguments.path)
    if path.is_dir():
        path = path / "Dockerfile"
    text, error = read_or_error(path)
    if text is None:
        raise DockwiseError(f"{path}: {error}")
    try:
        dockerfile = parse(text, str(path))
    except DockerfileSyntaxError as syntax_error:
        raise DockwiseError(f"{path}: {syntax_error}") from None
    build_args = dict(_build_arg(value) for value in arguments.build_arg)
    build = Build(dockerfile, build_args) if build_args else dockerfile.build
    if arguments.target is not None and build.target_stage(arguments.target) is None:
        names = ", ".join(stage.name for stage in build.stages if stage.name) or "none"
        raise DockwiseError(f"{path}: no stage named {arguments.target!r} (named stages: {names})")
    graph = stage_graph(build, arguments.target)
    rendered = {
        "text": lambda: views.render_text(graph, str(path)),
        "mermaid": lambda: views.render_mermaid(graph),
        "dot": lambda: views.render_dot(graph),
        "svg": lambda: views.render_svg(graph),
        "json": lambda: views.render_json(graph, str(path)),
    }[arguments.format]()
    if arguments.output is not None:
        from dockwise.fix.files import write_output

        write_output(arguments.output, rendered)
    else:
        sys.stdout.write(rendered)
    return 0


def _build_arg(value: str) -> tuple[str, str]:
    name, equals, given = value.partition("=")
    if not name or not equals:
        raise DockwiseError(f"--build-arg {value!r}: write NAME=VALUE")
    return name, given
