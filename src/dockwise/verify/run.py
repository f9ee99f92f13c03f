"""`dockwise verify`: build (when given a Dockerfile), run the image hardened, measure, and prove which
hardening measure breaks it by running again without that one measure.

Every verdict is a measurement on a real engine: the UIDs come from `docker top`, health from the
engine's health_status events, the stop from timing `docker stop` and its exit code (137 means SIGKILL
after the grace period: the PID 1 problem, confirmed by a run with `--init`), writes under `--read-only`
from `docker diff` of a writable run, listening ports from the container's /proc/net/tcp.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dockwise.engine.build import BuildResult, build_image
from dockwise.engine.observe import Observation, observe
from dockwise.engine.session import EngineError, EngineSession, connect
from dockwise.verify import verdicts
from dockwise.verify.profile import (
    Profile,
    container_options,
    for_image,
    from_runspec,
    has_health_check,
    unhardened,
)
from dockwise.verify.verdicts import FAIL, PASS, SKIP, Probe

_INSTALLS = (
    "npm ci",
    "npm install",
    "yarn install",
    "pnpm install",
    "pip install",
    "poetry install",
    "uv sync",
    "go mod download",
    "bundle install",
    "composer install",
    "cargo fetch",
    "mvn dependency",
    "gradle dependencies",
    "apt-get install",
    "apk add",
)


@dataclass
class VerifyOptions:
    context: Path | None = None
    dockerfile: Path | None = None
    image: str | None = None
    target: str | None = None
    compose: Path | None = None
    service: str | None = None
    profile: Profile = field(default_factory=Profile)
    startup_timeout: float = 60.0
    cold_build: bool = True
    cache_probe: bool = True
    progress: Callable[[str], None] | None = None


@dataclass
class VerifyReport:
    subject: str
    image: str = ""
    build: BuildResult | None = None
    image_size: int | None = None
    layers: int | None = None
    probes: list[Probe] = field(default_factory=list)
    seconds: float = 0.0
    run_id: str = ""
    """The value of the `dockwise.verify` label on everything the run created (all of it removed)."""

    @property
    def failed(self) -> bool:
        return any(probe.status == FAIL for probe in self.probes)


def verify(options: VerifyOptions, client: Any = None) -> VerifyReport:
    started = time.perf_counter()
    client = client or connect()
    say = options.progress or (lambda _: None)
    subject = subject_of(options)
    report = VerifyReport(subject)
    profile = options.profile
    with EngineSession(client) as session:
        report.run_id = session.run_id
        if options.compose is not None:
            profile, options = _compose_service(options, profile)
        image, report.build = build_or_name(options, session, say)
        report.image = image
        details = session.inspect_image(image)
        config = details.get("Config") or {}
        report.image_size = int(details.get("Size") or 0)
        report.layers = len((details.get("RootFS") or {}).get("Layers") or [])
        if options.compose is None:
            profile = for_image(str(config.get("User") or ""), profile)
        has_check = has_health_check((config.get("Healthcheck") or {}).get("Test"), profile)
        network = session.network()

        def run(variant: Profile, stop: bool = True) -> Observation:
            settings = container_options(variant, network)
            grace = variant.stop_grace_period
            observation = observe(session, image, settings, grace, has_check, options.startup_timeout, stop)
            observation.profile = variant
            return observation

        say("running it hardened")
        main = run(profile)
        report.probes += verdicts.starts(main, profile)
        working: Observation | None = main
        if not main.works:
            culprits, working = _bisect(run, profile, say)
            report.probes += verdicts.hardening(culprits, profile, main, working)
        measured = working if working is not None else main
        image_user = str(config.get("User") or "")
        as_image_user: Observation | None = None
        forced = measured.profile.user
        ran_as_another_user = forced is not None and not verdicts.is_root(forced)
        if measured.works and verdicts.is_root(image_user) and ran_as_another_user:
            say("re-running as its own user, root, with no hardening: does its entrypoint drop root?")
            as_image_user = run(unhardened(profile), False)
        report.probes.append(verdicts.user(measured, profile, image_user, as_image_user))
        report.probes.append(verdicts.health(measured, profile, has_check, options.startup_timeout))
        report.probes.append(verdicts.memory(main, measured, profile))
        report.probes.append(verdicts.ports(measured, config))
        stop_signal = profile.stop_signal or str(config.get("StopSignal") or "")
        report.probes.append(verdicts.sigterm(measured, profile, run, say, stop_signal))
        if report.build is not None and options.cache_probe and options.context is not None:
            say("changing one copied source file and rebuilding")
            report.probes.append(_rebuild(options, report.build, session))
    report.seconds = time.perf_counter() - started
    return report


def build_or_name(
    options: VerifyOptions, session: EngineSession, say: Callable[[str], None]
) -> tuple[str, BuildResult | None]:
    """The image to run: built from the options' context (labelled with the session), or the one named."""
    if options.context is None:
        assert options.image is not None
        return options.image, None
    say(f"building {subject_of(options)}")
    build = build_image(
        options.context,
        options.dockerfile,
        options.target,
        labels=session.labels,
        no_cache=options.cold_build,
        on_line=lambda line: _build_line(line, say),
    )
    return build.image_id, build


def _build_line(line: str, say: Callable[[str], None]) -> None:
    """BuildKit's step headers (`#5 [2/3] RUN ...`) as progress; the rest of its output is kept for errors."""
    if line.startswith("#") and " [" in line and "[internal]" not in line:
        say(f"build {line}")


def subject_of(options: VerifyOptions) -> str:
    """What a run is about, as reports name it: the Compose service, the Dockerfile or the image."""
    if options.compose is not None:
        return f"{options.compose} service {options.service}"
    if options.context is not None:
        return str(options.dockerfile or options.context / "Dockerfile")
    return str(options.image)


def _bisect(
    run: Callable[[Profile, bool], Observation], profile: Profile, say: Callable[[str], None]
) -> tuple[list[str], Observation | None]:
    """Everything left out first: an image that does not work even then is broken whatever the hardening,
    and the runs without one measure each are spared (each can wait out the whole startup timeout).
    Otherwise each measure is left out alone; the ones whose absence makes it work are the culprits, and
    when no single one does, it is the combination."""
    plain: Observation | None = None
    if len(profile.measures) > 1:
        say("re-running with no hardening at all")
        plain = run(unhardened(profile), True)
        if not plain.works:
            return [], None
    culprits = []
    working: Observation | None = None
    for measure in profile.measures:
        say(f"re-running without {measure}")
        attempt = run(profile.without(measure), True)
        if attempt.works:
            culprits.append(measure)
            working = working or attempt
    if working is None and plain is not None:
        return ["the combination"], plain
    return culprits, working


def _rebuild(options: VerifyOptions, cold: BuildResult, session: EngineSession) -> Probe:
    """Append whitespace to a copy of the source file the last COPY brings in, rebuild, see what re-ran
    (the user's files are never touched)."""
    assert options.context is not None
    source = _copied_source(options.context, options.dockerfile)
    if source is None:
        return Probe("rebuild", SKIP, "no file of the build context is copied into the image")
    with tempfile.TemporaryDirectory(prefix="dockwise-rebuild-") as scratch:
        copy = Path(scratch) / "context"
        shutil.copytree(options.context, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        changed = copy / source
        with changed.open("ab") as handle:
            # whitespace only, harmless in any source format; its length differs per run, so BuildKit
            # cannot have this exact content cached from an earlier verify
            handle.write(b"\n" + b" " * (1 + int(session.run_id, 16) % 997))
        dockerfile = None
        if options.dockerfile is not None:
            try:
                dockerfile = copy / options.dockerfile.resolve().relative_to(options.context.resolve())
            except ValueError:
                dockerfile = options.dockerfile
        again = build_image(copy, dockerfile, options.target, labels=session.labels)
    reran = [f"{step.stage} {step.instruction}" for step in again.ran]
    values = {
        "changed": str(source),
        "cold_seconds": round(cold.seconds, 2),
        "rebuild_seconds": round(again.seconds, 2),
        "reran": reran,
        "cached": [f"{s.stage} {s.instruction}" for s in again.steps if s.cached],
    }
    installs = [step for step in again.ran if any(word in step.instruction for word in _INSTALLS)]
    timing = f"rebuild {again.seconds:.1f} s against {cold.seconds:.1f} s cold"
    if installs:
        return Probe(
            "rebuild",
            FAIL,
            f"changing {source} re-runs the dependency install ({installs[0].instruction[:80]}); "
            f"{timing}: copy the manifests and install before copying the sources",
            values,
        )
    return Probe(
        "rebuild",
        PASS,
        f"changing {source} re-ran {len(reran)} of {len(again.steps)} steps; {timing}",
        values,
    )


def _copied_source(context: Path, dockerfile: Path | None) -> Path | None:
    """A regular file of the context that the last COPY/ADD from the context brings in."""
    from dockwise.dockerfile import parse

    path = dockerfile or context / "Dockerfile"
    try:
        parsed = parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, ValueError):
        return None
    for instruction in reversed(parsed.instructions):
        if instruction.keyword not in ("COPY", "ADD") or instruction.heredocs:
            continue
        if any(flag.startswith("--from") for flag in instruction.flags):
            continue
        for source in instruction.arguments[:-1]:
            if source.startswith(("--", "http://", "https://", "git@")):
                continue
            found = _first_file(context, source)
            if found is not None:
                return found
    return None


def _first_file(context: Path, source: str) -> Path | None:
    base = context.resolve()
    for candidate in (
        sorted(base.glob(source.lstrip("/")))
        if any(c in source for c in "*?[")
        else [base / source.lstrip("/")]
    ):
        if candidate.is_file():
            return candidate.relative_to(base)
        if candidate.is_dir():
            for file in sorted(candidate.rglob("*")):
                if file.is_file() and ".git" not in file.parts:
                    return file.relative_to(base)
    return None


def _compose_service(options: VerifyOptions, defaults: Profile) -> tuple[Profile, VerifyOptions]:
    spec, options = compose_service(options)
    return from_runspec(spec, defaults), options


def compose_service(options: VerifyOptions) -> tuple[Any, VerifyOptions]:
    """The Compose service's RunSpec, and the options that build or name its image."""
    from dockwise.runspec.compose import ComposeError, load_compose

    assert options.compose is not None
    try:
        project = load_compose([options.compose], validate=False)
    except (ComposeError, OSError) as error:
        raise EngineError(f"{options.compose}: {error}") from None
    if options.service not in project.services:
        known = ", ".join(sorted(project.services)) or "none"
        raise EngineError(f"{options.compose}: no service {options.service!r} (services: {known})")
    spec = project.services[options.service]
    build = _compose_build(options.compose, options.service)
    if build is not None:
        context, dockerfile, target = build
        return spec, replace(options, context=context, dockerfile=dockerfile, target=target or options.target)
    if not spec.image:
        raise EngineError(f"{options.compose}: service {options.service!r} has neither image nor build")
    return spec, replace(options, image=spec.image)


def _compose_build(compose: Path, service: str | None) -> tuple[Path, Path | None, str | None] | None:
    import yaml

    document = yaml.safe_load(compose.read_text(encoding="utf-8")) or {}
    build = ((document.get("services") or {}).get(service) or {}).get("build")
    if build is None:
        return None
    if isinstance(build, str):
        return compose.parent / build, None, None
    context = compose.parent / str(build.get("context", "."))
    dockerfile = context / str(build["dockerfile"]) if build.get("dockerfile") else None
    return context, dockerfile, build.get("target")
