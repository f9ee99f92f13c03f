"""`dockwise report PATH... -o report.html`: the project's findings, stage graphs and (when given) image,
verify and scan results on one self-contained HTML page."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dockwise.errors import DockwiseError


def add_parser(commands: Any, add_selection_arguments: Callable[[argparse.ArgumentParser], None]) -> None:
    report = commands.add_parser(
        "report", help="one self-contained HTML page: findings with their source, stage graphs, image layers"
    )
    report.add_argument("paths", nargs="+", metavar="PATH", help="files or directories, as for check")
    report.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="the HTML file to write"
    )
    report.add_argument("--title", default=None, help="the page's title (default: dockwise report of PATH)")
    report.add_argument(
        "--image", metavar="IMAGE", help="also show an image's layers, wasted bytes and largest files"
    )
    report.add_argument("--compare", metavar="OTHER", help="with --image: a before/after with another image")
    report.add_argument(
        "--verify-json",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="the output of `dockwise verify --format json`, shown as a timeline (repeatable)",
    )
    report.add_argument(
        "--scan-json",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="the output of `dockwise scan --format json`, vulnerabilities by severity (repeatable)",
    )
    report.add_argument(
        "--target", choices=("compose", "swarm"), default=None, help="how Compose files deploy"
    )
    report.add_argument("--no-cache", action="store_true", help="do not read or write the image layer cache")
    report.add_argument("--platform", metavar="OS/ARCH", help="the image to read from a multi-platform index")
    add_selection_arguments(report)


def run_report(arguments: argparse.Namespace) -> int:
    from dockwise.cli import settings_by_file, settings_for
    from dockwise.fix.files import write_output
    from dockwise.lint import lint_paths
    from dockwise.report.html import ReportInputs, render, stage_graph_svgs

    if arguments.compare and not arguments.image:
        raise DockwiseError("--compare needs --image")
    settings = settings_for(arguments)
    report = lint_paths(arguments.paths, target=arguments.target, by_file=settings_by_file(arguments))
    graphs = stage_graph_svgs(report, report.dockerfiles)
    inputs = ReportInputs(
        report=report,
        graphs=graphs,
        images=_images(arguments, settings),
        verify=[read_json_output(path, "dockwise verify --format json") for path in arguments.verify_json],
        scans=[read_json_output(path, "dockwise scan --format json") for path in arguments.scan_json],
        title=arguments.title or f"dockwise report of {' '.join(arguments.paths)}",
    )
    write_output(arguments.output, render(inputs))
    findings = len(report.diagnostics)
    print(
        f"{arguments.output}: {findings} finding{'s' if findings != 1 else ''} in {len(report.files)} files"
    )
    return 2 if report.has_errors else 0


def _images(arguments: argparse.Namespace, settings: Any) -> list[Any]:
    if not arguments.image:
        return []
    from dockwise.commands.images import read_image, read_options
    from dockwise.image.archive import ImageError
    from dockwise.image.report import comparison, image_findings, render_json
    from dockwise.report.html import ImageSection

    options = read_options(arguments)
    try:
        image = read_image(arguments.image, options)
        other = read_image(arguments.compare, options) if arguments.compare else None
    except ImageError as error:
        raise DockwiseError(str(error)) from None
    document = json.loads(
        render_json(image, arguments.image, image_findings(image, arguments.image, settings))
    )
    return [
        ImageSection(
            arguments.image,
            document,
            arguments.compare,
            comparison(image, other) if other is not None else None,
        )
    ]


def read_json_output(path: Path, made_by: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DockwiseError(f"{path}: cannot read: {error.strerror or error}") from None
    except ValueError as error:
        raise DockwiseError(f"{path}: not JSON ({error}); give the output of `{made_by}`") from None
    if not isinstance(document, dict):
        raise DockwiseError(f"{path}: not the output of `{made_by}`")
    return document
