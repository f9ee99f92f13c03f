"""The image commands: `image`, `sbom`, `scan` and `db` (their arguments and what they run)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockwise.errors import DockwiseError

if TYPE_CHECKING:
    from dockwise.image.archive import Image, ReadOptions
    from dockwise.image.thresholds import Thresholds


def add_parsers(
    commands: Any,
    add_selection_arguments: Callable[[argparse.ArgumentParser], None],
    severity_names: Sequence[str],
) -> None:
    image = commands.add_parser(
        "image", help="analyse an image: layers, sizes, wasted bytes, secrets and hardening of its config"
    )
    image.add_argument(
        "image",
        metavar="IMAGE",
        help="a `docker save` or OCI archive (.tar, .tar.gz, .tar.zst), an OCI layout directory, or an "
        "image in the engine (DOCKER_HOST)",
    )
    image.add_argument(
        "--compare", metavar="OTHER", help="compare with another image: sizes and the directories that differ"
    )
    image.add_argument("--format", choices=("text", "json"), default="text")
    image.add_argument("--platform", metavar="OS/ARCH", help="the image to read from a multi-platform index")
    image.add_argument("--no-cache", action="store_true", help="do not read or write the layer cache")
    image.add_argument(
        "--ci-config",
        type=Path,
        metavar="FILE",
        help="dive's CI rules file (default: .dive-ci in the current directory, when present)",
    )
    image.add_argument("--lowest-efficiency", metavar="RATIO", help="fail below this dive efficiency (0-1)")
    image.add_argument(
        "--highest-wasted-bytes", metavar="SIZE", help="fail above this many wasted bytes (20MB)"
    )
    image.add_argument(
        "--highest-user-wasted-percent",
        metavar="RATIO",
        help="fail above this share of this build's bytes (0-1)",
    )
    image.add_argument(
        "--fail-on",
        choices=severity_names,
        default=None,
        help="lowest finding severity that makes the exit status 1 (default: the config's, else any)",
    )
    image.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    add_selection_arguments(image)
    sbom = commands.add_parser("sbom", help="list the packages in an image (table, JSON, CycloneDX, SPDX)")
    sbom.add_argument("image", metavar="IMAGE", help="an archive, an OCI layout, or an image in the engine")
    sbom.add_argument("--format", choices=("table", "json", "cyclonedx", "spdx"), default="table")
    sbom.add_argument("--platform", metavar="OS/ARCH", help="the image to read from a multi-platform index")
    sbom.add_argument("--no-cache", action="store_true", help="do not read or write the layer cache")
    scan = commands.add_parser("scan", help="match an image's packages against the local advisory database")
    scan.add_argument(
        "target", metavar="IMAGE|SBOM.json", help="an image (as for `image`) or a dockwise/CycloneDX SBOM"
    )
    scan.add_argument("--format", choices=("table", "json", "sarif"), default="table")
    scan.add_argument(
        "--fail-on",
        choices=("low", "medium", "high", "critical"),
        help="exit 1 on a vulnerability this severe",
    )
    scan.add_argument(
        "--ignore-unfixed", action="store_true", help="leave out vulnerabilities with no fix yet"
    )
    scan.add_argument(
        "--ignorefile",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="accepted advisories (default: .dockwiseignore and .trivyignore here)",
    )
    scan.add_argument("--db", type=Path, metavar="FILE", help="the advisory database (default: in the cache)")
    scan.add_argument("--platform", metavar="OS/ARCH", help="the image to read from a multi-platform index")
    scan.add_argument("--no-cache", action="store_true", help="do not read or write the layer cache")
    database = commands.add_parser("db", help="the local advisory database (OSV exports)")
    database_commands = database.add_subparsers(dest="db_command", metavar="ACTION")
    database_commands.required = True
    db_update = database_commands.add_parser("update", help="download (or import) OSV's exports")
    db_update.add_argument(
        "--ecosystem",
        action="append",
        default=[],
        metavar="NAME",
        help="Debian, Alpine, Ubuntu, PyPI, npm, Go, crates.io, Maven (default: all of them)",
    )
    db_update.add_argument("--from-dir", type=Path, metavar="DIR", help="import zips already downloaded here")
    db_update.add_argument(
        "--db", type=Path, metavar="FILE", help="the database file (default: in the cache)"
    )
    db_status = database_commands.add_parser("status", help="what the database holds")
    db_status.add_argument(
        "--db", type=Path, metavar="FILE", help="the database file (default: in the cache)"
    )


def run(arguments: argparse.Namespace) -> int:
    handler = {"image": _image, "sbom": _sbom, "scan": _scan, "db": _database}[arguments.command]
    return handler(arguments)


def _image(arguments: argparse.Namespace) -> int:
    from dockwise.image import thresholds
    from dockwise.image.archive import ImageError
    from dockwise.image.figures import figures
    from dockwise.image.report import image_findings, render_json, render_text

    options = read_options(arguments)
    try:
        image = read_image(arguments.image, options)
        if arguments.compare:
            return _compare(image, read_image(arguments.compare, options), arguments)
    except ImageError as error:
        raise DockwiseError(str(error)) from None
    from dockwise.cli import settings_for

    settings = settings_for(arguments)
    findings = image_findings(image, arguments.image, settings)
    limits = _image_thresholds(arguments)
    verdicts = thresholds.evaluate(limits, figures(image)) if limits.any else []
    render = render_json if arguments.format == "json" else render_text
    sys.stdout.write(render(image, arguments.image, findings, verdicts))
    if any(verdict.status == "FAIL" for verdict in verdicts):
        return 1
    if settings.exit_zero:
        return 0
    return 1 if any(d.severity.rank >= settings.fail_on.rank for d in findings) else 0


def _sbom(arguments: argparse.Namespace) -> int:
    from dockwise.image.archive import ImageError
    from dockwise.sbom.formats import RENDERERS
    from dockwise.sbom.inventory import inventory

    try:
        image = read_image(arguments.image, read_options(arguments))
    except ImageError as error:
        raise DockwiseError(str(error)) from None
    sys.stdout.write(RENDERERS[arguments.format](inventory(image), arguments.image))
    return 0


def _scan(arguments: argparse.Namespace) -> int:
    from dockwise.vulndb.ignore import active, find_ignore_files, read_ignores
    from dockwise.vulndb.match import match
    from dockwise.vulndb.osv import SEVERITIES
    from dockwise.vulndb.report import RENDERERS
    from dockwise.vulndb.store import AdvisoryDatabase, default_path

    database = AdvisoryDatabase(arguments.db or default_path())
    inventory = _scan_inventory(arguments)
    result = match(inventory, database)
    files = arguments.ignorefile or find_ignore_files(Path())
    ignored_ids, expired = active([ignore for path in files for ignore in read_ignores(path)])
    kept = []
    for finding in result.findings:
        if finding.advisory in ignored_ids or ignored_ids.intersection(finding.aliases):
            continue
        if arguments.ignore_unfixed and finding.fixed is None:
            continue
        kept.append(finding)
    ignored = len(result.findings) - len(kept)
    result.findings = kept
    sys.stdout.write(RENDERERS[arguments.format](result, arguments.target, ignored, expired))
    if arguments.fail_on:
        threshold = SEVERITIES.index(arguments.fail_on.upper())
        return 1 if any(SEVERITIES.index(f.severity) >= threshold for f in kept) else 0
    return 0


def _scan_inventory(arguments: argparse.Namespace) -> Any:
    """An SBOM file (dockwise JSON or CycloneDX) as it is, else the image's inventory."""
    from dockwise.image.archive import ImageError
    from dockwise.sbom.inventory import inventory
    from dockwise.sbom.sbom_input import SbomError, read_sbom

    target = Path(arguments.target)
    if target.suffix == ".json" and target.is_file():
        try:
            return read_sbom(target)
        except SbomError as error:
            raise DockwiseError(str(error)) from None
    try:
        return inventory(read_image(arguments.target, read_options(arguments)))
    except ImageError as error:
        raise DockwiseError(str(error)) from None


def _database(arguments: argparse.Namespace) -> int:
    from dockwise.vulndb.store import AdvisoryDatabase, default_path
    from dockwise.vulndb.update import ECOSYSTEMS, update

    path = arguments.db or default_path()
    if arguments.db_command == "status":
        database = AdvisoryDatabase(path)
        for ecosystem, records, updated in database.sources():
            print(f"{ecosystem:<10} {records:>8} advisories, updated {updated}")
        return 0
    unknown = [name for name in arguments.ecosystem if name not in ECOSYSTEMS]
    if unknown:
        raise DockwiseError(f"unknown ecosystem {unknown[0]!r} (known: {', '.join(ECOSYSTEMS)})")
    from dockwise.image.progress import DownloadBars, wanted

    progress = DownloadBars() if wanted(sys.stderr) else None
    try:
        outcomes = update(path, arguments.ecosystem or ECOSYSTEMS, arguments.from_dir, progress)
    finally:
        if progress is not None:
            progress.close()
    for outcome in outcomes:
        count = f", {outcome.records} advisories" if outcome.status != "unchanged" else ""
        print(f"{outcome.ecosystem}: {outcome.status}{count}")
    return 0


def read_options(arguments: argparse.Namespace) -> ReadOptions:
    """The layer cache (unless `--no-cache`) and `--platform`, as every image command takes them."""
    from dockwise.cachedir import default_directory
    from dockwise.image.archive import ReadOptions
    from dockwise.image.cache import LayerCache

    cache = None if arguments.no_cache else LayerCache(default_directory())
    return ReadOptions(cache=cache, platform=arguments.platform)


def read_image(target: str, options: ReadOptions) -> Image:
    """Read with a progress bar on a terminal."""
    from dataclasses import replace

    from dockwise.image.archive import open_image
    from dockwise.image.progress import ByteProgress, wanted

    if not wanted(sys.stderr):
        return open_image(target, options)
    with ByteProgress(f"reading {target}") as progress:
        return open_image(target, replace(options, progress=progress))


def _compare(before: Image, after: Image, arguments: argparse.Namespace) -> int:
    from dockwise.image.report import render_compare_json, render_compare_text

    names = (arguments.image, arguments.compare)
    render = render_compare_json if arguments.format == "json" else render_compare_text
    sys.stdout.write(render(before, after, names))
    return 0


def _image_thresholds(arguments: argparse.Namespace) -> Thresholds:
    """`--ci-config` (or `.dive-ci` here), then the threshold flags on top."""
    from dockwise.image import thresholds

    path = arguments.ci_config
    if path is None and Path(".dive-ci").is_file():
        path = Path(".dive-ci")
    values = thresholds.read_dive_ci(path) if path is not None else {}
    flags = {
        "lowestEfficiency": arguments.lowest_efficiency,
        "highestWastedBytes": arguments.highest_wasted_bytes,
        "highestUserWastedPercent": arguments.highest_user_wasted_percent,
    }
    values.update({rule: value for rule, value in flags.items() if value is not None})
    where = f"{path} or the command line" if path is not None else "command line"
    return thresholds.thresholds(values, where)
