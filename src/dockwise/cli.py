"""The `dockwise` command: parse arguments, call the library, print a report, return an exit status.

Exit status: 0 when nothing at or above `--fail-on` was found, 1 when something was, 2 for a usage error or
a path or file that could not be read (the other files are still checked). No logic lives here.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockwise import __version__
from dockwise.errors import DockwiseError

if TYPE_CHECKING:
    from dockwise.config import Settings
    from dockwise.image.archive import Image, ReadOptions
    from dockwise.image.thresholds import Thresholds

SEVERITY_NAMES = ("error", "warning", "info", "style")


def _add_lint_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="Dockerfiles, Compose files, scripts or directories to search; - reads standard input",
    )
    parser.add_argument(
        "-f",
        "--file",
        action="append",
        default=[],
        dest="compose_files",
        metavar="COMPOSE_FILE",
        help="Compose files to merge into one project, in order, as `docker compose -f a -f b` does",
    )
    parser.add_argument("--fix", action="store_true", help="apply safe fixes first, then report what remains")
    parser.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix, also apply fixes that change behaviour"
    )
    _add_selection_arguments(parser)
    parser.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github", "gitlab", "checkstyle", "junit"),
        default="text",
        help="output format",
    )
    parser.add_argument(
        "--fail-on",
        choices=SEVERITY_NAMES,
        default=None,
        help="lowest severity that makes the exit status 1 (default: the config's fail-on, else any finding)",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text format (auto: on a terminal, unless NO_COLOR is set)",
    )
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    parser.add_argument(
        "--target",
        choices=("compose", "swarm"),
        default=None,
        help="how Compose files are deployed (default: the config's target, else compose): findings say "
        "when a setting has no effect there",
    )


def _add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="use this config file instead of searching"
    )
    parser.add_argument("--isolated", action="store_true", help="ignore config files")
    parser.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="RULES",
        help="only these rules: codes (DW101), prefixes (DW1), names, categories or peer codes (DL3007)",
    )
    parser.add_argument(
        "--ignore", action="append", default=[], metavar="RULES", help="leave out these rules"
    )


class _Version(argparse.Action):
    """`--version`: dockwise's version and the Compose schema it validates with (read only when asked)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from dockwise.runspec.schema import schema_version

        print(f"dockwise {__version__}\nCompose schema: {schema_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dockwise",
        description="Enforce the advanced Docker playbook on Dockerfiles, Compose files and images.",
    )
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="show the versions of dockwise and its schema"
    )
    parser.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    lint = commands.add_parser("lint", help="lint Dockerfiles")
    _add_lint_arguments(lint)
    check = commands.add_parser(
        "check", help="check a project: every Dockerfile, Compose file and docker run line under PATH"
    )
    _add_lint_arguments(check)
    check.add_argument(
        "--verify",
        action="store_true",
        help="also build and run each Dockerfile and Compose service found on the engine (dockwise verify)",
    )
    fix = commands.add_parser("fix", help="rewrite Dockerfiles: apply the fixes of the findings")
    fix.add_argument("paths", nargs="+", metavar="PATH", help="Dockerfiles or directories to search")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that change behaviour")
    fix.add_argument("--diff", action="store_true", help="print a unified diff and write nothing")
    fix.add_argument("--check", action="store_true", help="write nothing; exit 1 when something would change")
    fix.add_argument(
        "--harden",
        action="store_true",
        help="add the hardened baseline to every Compose service (cap_drop ALL, no-new-privileges, "
        "read_only with tmpfs /tmp, init, memory and pids limits); changes behaviour, so try --diff first",
    )
    _add_selection_arguments(fix)
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
        choices=SEVERITY_NAMES,
        default=None,
        help="lowest finding severity that makes the exit status 1 (default: the config's, else any)",
    )
    image.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    _add_selection_arguments(image)
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
    verify = commands.add_parser(
        "verify", help="build and run an image hardened on a real engine, and measure what only running shows"
    )
    verify.add_argument(
        "path", nargs="?", metavar="PATH", help="a Dockerfile, or a directory with one (the build context)"
    )
    verify.add_argument("--image", metavar="REF", help="verify an image the engine already has")
    verify.add_argument(
        "--compose", type=Path, metavar="FILE", help="run a Compose service with its settings"
    )
    verify.add_argument("--service", metavar="NAME", help="the Compose service (with --compose)")
    verify.add_argument("--target", metavar="STAGE", help="the build stage to verify")
    verify.add_argument("--format", choices=("text", "json", "junit"), default="text")
    verify.add_argument("--memory", default="256m", metavar="SIZE", help="memory limit (default 256m)")
    verify.add_argument(
        "--pids-limit", type=int, default=256, metavar="N", help="process limit (default 256)"
    )
    verify.add_argument(
        "--stop-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="grace period for SIGTERM (default 10)",
    )
    verify.add_argument(
        "--startup-timeout", type=float, default=60.0, metavar="SECONDS", help="how long to wait for healthy"
    )
    verify.add_argument("--no-cold-build", action="store_true", help="let the first build use the cache")
    verify.add_argument(
        "--no-rebuild", action="store_true", help="skip the cache probe (change a file, rebuild)"
    )
    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rule = commands.add_parser("rule", help="show the documentation of one rule")
    rule.add_argument("code", help="a rule code (DW001), name (invalid-syntax) or alias")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        return _run(arguments)
    except DockwiseError as error:
        print(f"dockwise: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dockwise: interrupted", file=sys.stderr)
        return 130
    except Exception:
        if arguments.debug:
            raise
        print(
            "dockwise: internal error, please report it with the output of --debug",
            file=sys.stderr,
        )
        return 2


def _run(arguments: argparse.Namespace) -> int:
    if arguments.command in ("lint", "check"):
        return _lint(arguments)
    if arguments.command == "fix":
        return _fix(arguments)
    if arguments.command == "image":
        return _image(arguments)
    if arguments.command == "verify":
        return _verify(arguments)
    if arguments.command == "sbom":
        return _sbom(arguments)
    if arguments.command == "scan":
        return _scan(arguments)
    if arguments.command == "db":
        return _database(arguments)
    if arguments.command == "rules":
        return _list_rules(arguments.format)
    return _show_rule(arguments.code)


def _settings(arguments: argparse.Namespace) -> Settings:
    from dockwise.config import find_config, load_settings, merge_command_line
    from dockwise.suppress import parse_selectors

    config = None
    if not arguments.isolated:
        config = arguments.config or find_config(Path(_first_path(arguments)))
    return merge_command_line(
        load_settings(config),
        parse_selectors(arguments.select),
        parse_selectors(arguments.ignore),
        getattr(arguments, "fail_on", None),
        getattr(arguments, "exit_zero", False),
    )


def _first_path(arguments: argparse.Namespace) -> str:
    """Where to look for the configuration: the first path (or Compose file) given."""
    candidates = [*getattr(arguments, "paths", []), *getattr(arguments, "compose_files", [])]
    first = candidates[0] if candidates else "."
    return "." if first == "-" else first


def _fix(arguments: argparse.Namespace) -> int:
    from dockwise.fix.files import fix_paths
    from dockwise.fix.report import render_fixes

    if "-" in arguments.paths:
        raise DockwiseError("fix rewrites files: give paths, not standard input")
    write = not (arguments.diff or arguments.check)
    if arguments.harden:
        from dockwise.fix.files import harden_paths

        results, problems = harden_paths(arguments.paths, write=write)
    else:
        results, problems = fix_paths(
            arguments.paths, _settings(arguments), unsafe=arguments.unsafe_fixes, write=write
        )
    if arguments.diff:
        sys.stdout.write("".join(result.diff() for result in results))
    sys.stderr.write(render_fixes(results, written=write))
    for problem in problems:
        print(f"dockwise: error: {problem}", file=sys.stderr)
    if problems or any(result.error for result in results):
        return 2
    changed = any(result.outcome and result.outcome.changed for result in results)
    return 1 if changed and not write else 0


def _lint(arguments: argparse.Namespace) -> int:
    from dockwise.lint import lint_paths
    from dockwise.report import reporter

    settings = _settings(arguments)
    if arguments.fix:
        from dockwise.fix.files import fix_paths
        from dockwise.fix.report import render_fixes

        if "-" in arguments.paths:
            raise DockwiseError("--fix rewrites files: give paths, not standard input")
        results, _ = fix_paths(arguments.paths, settings, unsafe=arguments.unsafe_fixes)
        sys.stderr.write(render_fixes(results, written=True))
    target = arguments.target or settings.target
    if not arguments.paths and not arguments.compose_files:
        raise DockwiseError("give PATHs to check, or Compose files with -f")
    report = lint_paths(
        arguments.paths,
        stdin=sys.stdin.buffer,
        settings=settings,
        target=target,
        compose_files=[Path(path) for path in arguments.compose_files],
    )
    if arguments.format == "text" and _wants_color(arguments.color):
        from dockwise.report.text import render_color

        sys.stdout.write(render_color(report))
    else:
        sys.stdout.write(reporter(arguments.format)(report))
    if arguments.command == "check" and arguments.format == "text":
        from dockwise.report.summary import render as summary

        sys.stdout.write(summary(report))
    for result in report.files:
        if result.error:
            print(f"dockwise: error: {result.path}: {result.error}", file=sys.stderr)
    for problem in report.problems:
        print(f"dockwise: error: {problem}", file=sys.stderr)
    verify_failed = getattr(arguments, "verify", False) and _verify_project(arguments)
    if report.has_errors:
        return 2
    if settings.exit_zero:
        return 0
    return 1 if report.count_at_or_above(settings.fail_on) or verify_failed else 0


def _verify_project(arguments: argparse.Namespace) -> bool:
    """`check --verify`: verify every Dockerfile and every Compose service found; True when one fails."""
    from dockwise.discovery import discover_project
    from dockwise.runspec.compose import ComposeError, load_compose
    from dockwise.verify.report import render_text
    from dockwise.verify.run import VerifyOptions, verify

    dockerfiles, runtime = discover_project(arguments.paths)
    runs = [VerifyOptions(context=path.parent, dockerfile=path) for path in dockerfiles.files]
    for path in runtime.files:
        if path.suffix not in (".yaml", ".yml"):
            continue
        try:
            services = load_compose([path], validate=False).services
        except (ComposeError, OSError):
            continue  # the lint above already reported it
        runs += [VerifyOptions(compose=path, service=name) for name in services]
    failed = False
    for options in runs:
        options.progress = lambda message: print(f"dockwise: {message}", file=sys.stderr)
        try:
            report = verify(options)
        except DockwiseError as error:
            print(f"dockwise: error: verify: {error}", file=sys.stderr)
            failed = True
            continue
        sys.stdout.write(render_text(report))
        failed = failed or report.failed
    return failed


def _image(arguments: argparse.Namespace) -> int:
    from dockwise.image import thresholds
    from dockwise.image.archive import ImageError, ReadOptions
    from dockwise.image.cache import LayerCache, default_directory
    from dockwise.image.figures import figures
    from dockwise.image.report import image_findings, render_json, render_text

    cache = None if arguments.no_cache else LayerCache(default_directory())
    options = ReadOptions(cache=cache, platform=arguments.platform)
    try:
        image = _read_image(arguments.image, options)
        if arguments.compare:
            return _compare(image, _read_image(arguments.compare, options), arguments)
    except ImageError as error:
        raise DockwiseError(str(error)) from None
    settings = _settings(arguments)
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
    from dockwise.image.archive import ImageError, ReadOptions
    from dockwise.image.cache import LayerCache, default_directory
    from dockwise.sbom.formats import RENDERERS
    from dockwise.sbom.inventory import inventory

    cache = None if arguments.no_cache else LayerCache(default_directory())
    try:
        image = _read_image(arguments.image, ReadOptions(cache=cache, platform=arguments.platform))
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
    from dockwise.image.archive import ImageError, ReadOptions
    from dockwise.image.cache import LayerCache, default_directory
    from dockwise.sbom.inventory import inventory
    from dockwise.sbom.sbom_input import SbomError, read_sbom

    target = Path(arguments.target)
    if target.suffix == ".json" and target.is_file():
        try:
            return read_sbom(target)
        except SbomError as error:
            raise DockwiseError(str(error)) from None
    cache = None if arguments.no_cache else LayerCache(default_directory())
    try:
        return inventory(_read_image(arguments.target, ReadOptions(cache=cache, platform=arguments.platform)))
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


def _read_image(target: str, options: ReadOptions) -> Image:
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


def _verify(arguments: argparse.Namespace) -> int:
    from dataclasses import replace

    from dockwise.runspec.units import parse_size
    from dockwise.verify.profile import Profile
    from dockwise.verify.report import render_json, render_junit, render_text
    from dockwise.verify.run import VerifyOptions, verify

    try:
        memory = parse_size(arguments.memory)
    except ValueError as error:
        raise DockwiseError(f"--memory: {error}") from None
    profile = replace(
        Profile(), memory=memory, pids_limit=arguments.pids_limit, stop_grace_period=arguments.stop_timeout
    )
    options = VerifyOptions(
        image=arguments.image,
        target=arguments.target,
        compose=arguments.compose,
        service=arguments.service,
        profile=profile,
        startup_timeout=arguments.startup_timeout,
        cold_build=not arguments.no_cold_build,
        cache_probe=not arguments.no_rebuild,
        progress=lambda message: print(f"dockwise: {message}", file=sys.stderr),
    )
    if arguments.compose is not None:
        if not arguments.service:
            raise DockwiseError("--compose needs --service")
    elif arguments.image is None:
        context, dockerfile = _build_paths(Path(arguments.path or "."))
        options = replace(options, context=context, dockerfile=dockerfile)
    elif arguments.path:
        raise DockwiseError("give a PATH to build or --image, not both")
    report = verify(options)
    render = {"json": render_json, "junit": render_junit}.get(arguments.format, render_text)
    sys.stdout.write(render(report))
    return 1 if report.failed else 0


def _build_paths(path: Path) -> tuple[Path, Path | None]:
    """A Dockerfile or a directory with one: the build context and the Dockerfile."""
    if path.is_dir():
        if not (path / "Dockerfile").is_file():
            raise DockwiseError(f"{path}: no Dockerfile in this directory")
        return path, None
    if path.is_file():
        return path.parent, path
    raise DockwiseError(f"{path}: no such file or directory")


def _wants_color(choice: str) -> bool:
    """`--color`, then the NO_COLOR / FORCE_COLOR conventions, then whether stdout is a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _list_rules(output_format: str) -> int:
    import json

    from dockwise.rules import all_rules

    rules = all_rules()
    if output_format == "json":
        rows = [
            {
                "code": rule.code,
                "name": rule.name,
                "category": str(rule.category),
                "severity": str(rule.severity),
                "aliases": list(rule.aliases),
                "fix": str(rule.fix_availability),
                "default_enabled": rule.default_enabled,
                "summary": rule.summary(),
            }
            for rule in rules
        ]
        print(json.dumps(rows, indent=2))
        return 0
    for rule in rules:
        aliases = ",".join(rule.aliases) or "-"
        columns = f"{rule.code}  {rule.name:<28} {rule.category!s:<24} {rule.severity!s:<8} {aliases:<20}"
        opt_in = "" if rule.default_enabled else "(opt-in) "
        print(f"{columns} {opt_in}{rule.summary()}")
    return 0


def _show_rule(code: str) -> int:
    from dockwise.rules import all_rules

    wanted = code.lower()
    for rule in all_rules():
        if wanted in (rule.code.lower(), rule.name, *(alias.lower() for alias in rule.aliases)):
            print(f"{rule.code} {rule.name} ({rule.category}, {rule.severity})\n")
            print(rule.documentation())
            return 0
    raise DockwiseError(f"no rule called {code!r}; `dockwise rules` lists them")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
