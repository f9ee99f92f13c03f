"""`dockwise changed FILE...`: which build steps a change to these files re-runs, per Dockerfile."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from dockwise.errors import DockwiseError


def add_parser(commands: Any) -> None:
    changed = commands.add_parser(
        "changed",
        help="which build steps re-run when these files change (exit 1 when an install re-runs that no "
        "changed manifest asks for: a README edit that re-runs `npm ci`)",
    )
    changed.add_argument(
        "files", nargs="+", metavar="FILE", help="changed files (e.g. `git diff --name-only`)"
    )
    changed.add_argument(
        "--project",
        default=".",
        metavar="DIR",
        help="where to find the Dockerfiles (default: .); each is built as the project's Compose files "
        "build it (context, target), else with its own directory as the context",
    )
    changed.add_argument(
        "--target", metavar="STAGE", help="the stage built (default: each file's last stage)"
    )
    changed.add_argument("--format", choices=("text", "json"), default="text")
    changed.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when an avoidable install re-runs"
    )
    changed.add_argument(
        "--verify-json",
        type=Path,
        metavar="FILE",
        help="`dockwise verify --format json` of an uncached build: show each re-run step's measured time",
    )


def run_changed(arguments: argparse.Namespace) -> int:
    from dockwise.discovery import discover_dockerfiles
    from dockwise.dockerfile import DockerfileSyntaxError, parse
    from dockwise.lint import read_or_error
    from dockwise.rebuild import RebuildAnswer, reruns_for

    timings = _timings(arguments.verify_json) if arguments.verify_json else {}
    project = Path(arguments.project)
    if not project.is_dir():
        raise DockwiseError(f"{project}: not a directory")
    found = discover_dockerfiles([project])
    builds = compose_builds(project, arguments.target)
    answers: list[RebuildAnswer] = []
    problems: list[str] = [f"{p.path}: {p.message}" for p in found.problems]
    for path in found.files:
        text, error = read_or_error(path)
        if text is None:
            problems.append(f"{path}: {error}")
            continue
        try:
            dockerfile = parse(text, str(path))
        except DockerfileSyntaxError as syntax_error:
            problems.append(f"{path}: {syntax_error}")
            continue
        # How the project builds it: each Compose service's context and target, else its own directory.
        for context, target in builds.get(path.resolve(), [(path.parent, arguments.target)]):
            relative = [_relative(Path(file), context) for file in arguments.files]
            touching = [file for file in relative if file is not None]
            if target is not None and dockerfile.build.target_stage(target) is None:
                continue
            answers.append(reruns_for(dockerfile, context, touching, target))
    if arguments.format == "json":
        sys.stdout.write(_json(answers, problems))
    else:
        sys.stdout.write(_text(answers, problems, timings))
    if problems:
        return 2
    avoidable = any(answer.avoidable for answer in answers)
    return 1 if avoidable and not arguments.exit_zero else 0


def _relative(file: Path, context: Path) -> str | None:
    """The file relative to the build context, None when it lies outside (it cannot change the build)."""
    try:
        return file.resolve().relative_to(context.resolve()).as_posix()
    except ValueError:
        return None


def compose_builds(project: Path, target: str | None) -> dict[Path, list[tuple[Path, str | None]]]:
    """Dockerfile -> the (build context, target) pairs the project's Compose files build it with
    (`build: {context: ., dockerfile: src/api/Dockerfile, target: dev}`): a Dockerfile built from the
    repository root reads its COPY sources from there, not from its own directory. A `--target` given on
    the command line wins over the Compose file's. `${VAR}` is interpolated from the environment and the
    `.env` beside the Compose file, as Compose does (`dockerfile: ${EMAIL_DOCKERFILE}`)."""
    import yaml

    from dockwise.discovery import discover_runtime_files, is_compose_name
    from dockwise.lint import read_or_error
    from dockwise.runspec.compose import ComposeError, project_environment
    from dockwise.runspec.interpolation import interpolate

    found: dict[Path, list[tuple[Path, str | None]]] = {}
    environments: dict[Path, dict[str, str]] = {}
    for compose in discover_runtime_files([project]).files:
        if not is_compose_name(compose.name):
            continue
        text, _ = read_or_error(compose)
        try:
            document = yaml.safe_load(text) if text is not None else None
        except yaml.YAMLError:
            continue
        services = document.get("services") if isinstance(document, dict) else None
        for service in services.values() if isinstance(services, dict) else ():
            build = service.get("build") if isinstance(service, dict) else None
            if isinstance(build, str):
                build = {"context": build}
            if not isinstance(build, dict):
                continue
            if compose.parent not in environments:
                try:
                    environments[compose.parent] = project_environment(compose.parent)
                except ComposeError:  # an unreadable .env: interpolate from the process environment only
                    environments[compose.parent] = dict(os.environ)
            env = environments[compose.parent]
            context_text = interpolate(str(build.get("context", ".")), env)
            dockerfile_text = interpolate(str(build.get("dockerfile", "Dockerfile")), env)
            if not context_text or not dockerfile_text or "://" in context_text:
                continue
            context = (compose.parent / context_text).resolve()
            dockerfile = (context / dockerfile_text).resolve()
            wanted = target if target is not None else build.get("target")
            pair = (context, wanted if isinstance(wanted, str) else None)
            if pair not in found.setdefault(dockerfile, []):
                found[dockerfile].append(pair)
    return found


def _timings(path: Path) -> dict[tuple[str, str], float]:
    """Seconds per (stage, instruction) from a verify report's build steps, as BuildKit printed them;
    steps verify found in the cache have no time."""
    from dockwise.commands.report import read_json_output

    document = read_json_output(path, "dockwise verify --format json")
    build = document.get("build") or {}
    found: dict[tuple[str, str], float] = {}
    for step in build.get("steps", []) if isinstance(build, dict) else []:
        seconds = step.get("seconds")
        if step.get("cached") or seconds is None:
            continue
        stage = str(step.get("stage", "")).rsplit(" ", 1)[0]
        found[(stage, " ".join(str(step.get("instruction", "")).split()))] = float(seconds)
    return found


def step_key(stage: str, instruction: Any) -> tuple[str, str]:
    """How BuildKit's progress names a step: the stage label and the instruction as written."""
    return stage, " ".join(instruction.line.split())


def _text(answers: list[Any], problems: list[str], timings: dict[tuple[str, str], float]) -> str:
    from dockwise.dockerfile.stage_graph import stage_label

    lines: list[str] = []
    for answer in answers:
        count = len(answer.reruns)
        heading = f"{answer.dockerfile} (target {answer.target}): "
        if not count:
            lines.append(heading + f"nothing re-runs, all {answer.steps} steps stay cached")
        else:
            costly, avoidable = len(answer.costly), len(answer.avoidable)
            summary = f"{count} of {answer.steps} steps re-run" + (f", {costly} costly" if costly else "")
            lines.append(heading + summary + (f" ({avoidable} avoidable)" if avoidable else ""))
            known = [timings.get(step_key(stage_label(r.stage), r.instruction)) for r in answer.reruns]
            if timings and any(value is not None for value in known):
                total = sum(value for value in known if value is not None)
                lines.append(f"  about {total:.1f} s of measured build time re-runs")
        for rerun in answer.reruns:
            stage = stage_label(rerun.stage)
            text = " ".join(
                [rerun.instruction.keyword, *rerun.instruction.flags, *rerun.instruction.arguments]
            )
            shown = text if len(text) <= 60 else text[:59] + "…"
            line = f"  line {rerun.instruction.start_line:>3}  {stage}: {shown}  ({rerun.reason})"
            measured = timings.get(step_key(stage, rerun.instruction))
            if measured is not None:
                line += f"  {measured:.1f} s when verify built it"
            if rerun.costly:
                kind = (
                    "costly and avoidable (no dependency manifest changed)" if rerun.avoidable else "costly"
                )
                line += f"\n            {kind}: {rerun.costly}"
            lines.append(line)
        for ignored in answer.ignored:
            lines.append(f"  {ignored} is left out of the build context by .dockerignore: it changes nothing")
    if not answers and not problems:
        lines.append("no Dockerfile found")
    lines.extend(f"dockwise: error: {problem}" for problem in problems)
    return "\n".join(lines) + "\n"


def _json(answers: list[Any], problems: list[str]) -> str:
    from dockwise.dockerfile.stage_graph import stage_label

    document = {
        "dockerfiles": [
            {
                "path": answer.dockerfile,
                "target": answer.target,
                "steps": answer.steps,
                "ignored": list(answer.ignored),
                "reruns": [
                    {
                        "stage": stage_label(rerun.stage),
                        "line": rerun.instruction.start_line,
                        "instruction": rerun.instruction.keyword,
                        "reason": rerun.reason,
                        "costly": rerun.costly,
                        "avoidable": rerun.avoidable,
                    }
                    for rerun in answer.reruns
                ],
            }
            for answer in answers
        ],
        "errors": problems,
    }
    return json.dumps(document, indent=2) + "\n"
