"""`dockwise verify` and `check --verify`: their arguments and what they run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockwise.errors import DockwiseError

if TYPE_CHECKING:
    from dockwise.verify.profile import Profile


def add_parser(commands: Any) -> None:
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
    verify.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("ORIGINAL", "REWRITTEN"),
        help="verify a Dockerfile and its rewrite: both sizes, the reduction, the probes that differ",
    )
    verify.add_argument(
        "--context",
        type=Path,
        metavar="DIR",
        help="with --compare: the build context of both (default: each's folder)",
    )
    verify.add_argument(
        "--learn",
        action="store_true",
        help="learn the least-privilege profile it needs from runs (capabilities, mounts, limits); "
        "--format json gives the profile for `dockwise fix --harden --profile`",
    )
    verify.add_argument(
        "--save-profile",
        type=Path,
        metavar="FILE",
        help="with --learn: also write the profile (the JSON `fix --harden --profile` reads) to FILE",
    )
    verify.add_argument("--no-cold-build", action="store_true", help="let the first build use the cache")
    verify.add_argument(
        "--no-rebuild", action="store_true", help="skip the cache probe (change a file, rebuild)"
    )


def verify_project(paths: list[str]) -> bool:
    """`check --verify`: verify every Dockerfile and every Compose service found; True when one fails."""
    from dockwise.discovery import discover_project
    from dockwise.runspec.compose import ComposeError, load_compose
    from dockwise.verify.report import render_text
    from dockwise.verify.run import VerifyOptions, verify

    dockerfiles, runtime = discover_project(paths)
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


def run_verify(arguments: argparse.Namespace) -> int:
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
    if arguments.save_profile is not None and not arguments.learn:
        raise DockwiseError("--save-profile goes with --learn")
    if arguments.compare is not None:
        if arguments.learn:
            raise DockwiseError("--learn learns one service's profile: it does not go with --compare")
        return _run_compare(arguments, profile)
    if arguments.context is not None:
        raise DockwiseError("--context goes with --compare")
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
    if arguments.learn:
        return _learn(arguments, options)
    report = verify(options)
    render = {"json": render_json, "junit": render_junit}.get(arguments.format, render_text)
    sys.stdout.write(render(report))
    return 1 if report.failed else 0


def _run_compare(arguments: argparse.Namespace, profile: Profile) -> int:
    """`verify --compare ORIGINAL REWRITTEN`: 1 when the rewrite does not build or makes a probe worse."""
    from dockwise.verify.compare import CompareOptions, compare
    from dockwise.verify.compare_report import render_json, render_junit, render_text

    others = [
        flag
        for flag, value in (
            ("PATH", arguments.path),
            ("--image", arguments.image),
            ("--compose", arguments.compose),
            ("--target", arguments.target),
        )
        if value
    ]
    if others:
        raise DockwiseError(f"--compare builds two Dockerfiles: it does not go with {', '.join(others)}")
    original, rewritten = arguments.compare
    for dockerfile in (original, rewritten):
        if not dockerfile.is_file():
            raise DockwiseError(f"{dockerfile}: no such Dockerfile")
    if arguments.context is not None and not arguments.context.is_dir():
        raise DockwiseError(f"--context {arguments.context}: no such directory")
    report = compare(
        CompareOptions(
            original=original,
            rewritten=rewritten,
            context=arguments.context,
            profile=profile,
            startup_timeout=arguments.startup_timeout,
            cold_build=not arguments.no_cold_build,
            progress=lambda message: print(f"dockwise: {message}", file=sys.stderr),
        )
    )
    render = {"json": render_json, "junit": render_junit}.get(arguments.format, render_text)
    sys.stdout.write(render(report))
    return 1 if report.failed else 0


def _learn(arguments: argparse.Namespace, options: Any) -> int:
    import json

    from dockwise.verify.learn import learn, render_text

    if arguments.format == "junit":
        raise DockwiseError("--learn writes text or json")
    learned = learn(options)
    document = json.dumps(learned.to_json(), indent=2) + "\n"
    if arguments.save_profile is not None:  # one learning (a few dozen runs) for the text and the file
        from dockwise.fix.files import write_output

        write_output(arguments.save_profile, document, "the learned profile")
    sys.stdout.write(document if arguments.format == "json" else render_text(learned))
    return 0 if learned.works and learned.confirmed else 1


def _build_paths(path: Path) -> tuple[Path, Path | None]:
    """A Dockerfile or a directory with one: the build context and the Dockerfile."""
    if path.is_dir():
        if not (path / "Dockerfile").is_file():
            raise DockwiseError(f"{path}: no Dockerfile in this directory")
        return path, None
    if path.is_file():
        return path.parent, path
    raise DockwiseError(f"{path}: no such file or directory")
