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
from dockwise.engine.observe import Observation, observe, stop_timeout
from dockwise.engine.session import EngineError, EngineSession, connect
from dockwise.verify.profile import (
    ADVICE,
    Profile,
    container_options,
    for_image,
    from_runspec,
    has_health_check,
    unhardened,
)

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"
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
class Probe:
    name: str
    status: str
    summary: str
    values: dict[str, Any] = field(default_factory=dict)


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
    subject = _subject(options)
    report = VerifyReport(subject)
    profile = options.profile
    with EngineSession(client) as session:
        report.run_id = session.run_id
        if options.compose is not None:
            profile, options = _compose_service(options, profile)
        if options.context is not None:
            say(f"building {subject}")
            report.build = build_image(
                options.context,
                options.dockerfile,
                options.target,
                labels=session.labels,
                no_cache=options.cold_build,
                on_line=lambda line: _build_line(line, say),
            )
            image = report.build.image_id
        else:
            assert options.image is not None
            image = options.image
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
        report.probes += _starts(main, profile)
        working: Observation | None = main
        if not main.works:
            culprits, working = _bisect(run, profile, say)
            report.probes += _hardening(culprits, profile, main, working)
        measured = working if working is not None else main
        image_user = str(config.get("User") or "")
        as_image_user: Observation | None = None
        forced = measured.profile.user
        if measured.works and _is_root(image_user) and forced is not None and not _is_root(forced):
            say("re-running as its own user, root, with no hardening: does its entrypoint drop root?")
            as_image_user = run(unhardened(profile), False)
        report.probes.append(_user(measured, profile, image_user, as_image_user))
        report.probes.append(_health(measured, profile, has_check, options.startup_timeout))
        report.probes.append(_memory(main, measured, profile))
        report.probes.append(_ports(measured, config))
        stop_signal = profile.stop_signal or str(config.get("StopSignal") or "")
        report.probes.append(_sigterm(measured, profile, run, say, stop_signal))
        if report.build is not None and options.cache_probe and options.context is not None:
            say("changing one copied source file and rebuilding")
            report.probes.append(_rebuild(options, report.build, session))
    report.seconds = time.perf_counter() - started
    return report


def _build_line(line: str, say: Callable[[str], None]) -> None:
    """BuildKit's step headers (`#5 [2/3] RUN ...`) as progress; the rest of its output is kept for errors."""
    if line.startswith("#") and " [" in line and "[internal]" not in line:
        say(f"build {line}")


def _subject(options: VerifyOptions) -> str:
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


def _starts(main: Observation, profile: Profile) -> list[Probe]:
    if main.works:
        outcome = "exited 0" if main.exit_code == 0 else "stays up"
        return [Probe("starts", PASS, f"runs hardened ({', '.join(profile.measures)}) and {outcome}")]
    return [Probe("starts", FAIL, f"does not run hardened: {_failure(main)}", {"logs": main.logs})]


def _failure(observation: Observation) -> str:
    if observation.error:
        return observation.error
    if observation.oom_killed:
        return "killed for exceeding its memory limit"
    if observation.health == "unhealthy":
        return "its health check failed"
    last = observation.logs.strip().splitlines()[-1:] or [""]
    return f"exited {observation.exit_code}" + (f" ({last[0][:160]})" if last[0] else "")


def _hardening(
    culprits: list[str], profile: Profile, main: Observation, working: Observation | None
) -> list[Probe]:
    if working is None:
        return [Probe("hardening", FAIL, "it does not run even without any hardening", {"logs": main.logs})]
    if culprits == ["the combination"]:
        return [
            Probe(
                "hardening", FAIL, "it runs only with every hardening measure off (no single one is enough)"
            )
        ]
    probes = []
    for measure in culprits:
        values: dict[str, Any] = {"measure": measure}
        summary = f"breaks under {measure}; {ADVICE[measure]}"
        if measure == "read-only" and working.written:
            values["written"] = working.written
            summary += ": " + ", ".join(working.written[:8])
        probes.append(Probe(measure, FAIL, summary, values))
    return probes


def _user(
    observation: Observation, profile: Profile, image_user: str, as_image_user: Observation | None = None
) -> Probe:
    """Whom the processes run as, from `docker top` of the run that worked (the hardened one, or the one
    the bisection found; the hardened run when none did), and the verdict names that run.

    An image whose own user is root fails, unless its entrypoint drops every process to another user
    itself (gosu, su-exec, setpriv): then they are not root, as `docker top` of a plain `docker run`
    shows, but the start is. When the run that worked had another user forced on it, `as_image_user` is
    a run as the image's own user, root, with no hardening, to see whether it drops root itself."""
    forced = observation.profile.user if observation.profile is not None else None
    hardened_as = forced if observation.works and forced is not None and not _is_root(forced) else None
    seen = as_image_user if as_image_user is not None and as_image_user.works else observation
    run = _run_name(seen, profile)
    uids = sorted({uid for uid, _, _ in seen.processes})
    gids = sorted({gid for _, gid, _ in seen.processes})
    values: dict[str, Any] = {"image_user": image_user or "root", "uids": uids, "gids": gids, "run": run}
    ids = f"UID {','.join(map(str, uids))} GID {','.join(map(str, gids))}"
    root = list(dict.fromkeys(command for uid, _, command in seen.processes if uid == 0))
    if _is_root(image_user):
        configured = f"the image runs as root ({f'USER {image_user}' if image_user else 'no USER'})"
        advice = ""
        if hardened_as is not None:
            where = _run_name(observation, profile)
            worked = "ran hardened" if where == _HARDENED else f"worked in {where}"
            advice = f"it {worked} as {hardened_as}: add `USER {hardened_as}`"
        seen_as_root = seen.profile is None or seen.profile.user is None or _is_root(seen.profile.user)
        if seen_as_root and seen.works and seen.processes and not root:
            if not advice:
                advice = (
                    "as it needs root to start, it cannot run with --user: chown at build time and set USER"
                )
            return Probe(
                "non-root",
                WARN,
                f"{configured} and drops to {ids} itself: every process of {run} ran as {ids} (docker top); "
                + advice,
                values,
            )
        if advice and root and seen is not observation:
            evidence = f"{run} ran {', '.join(root[:3])} as root (docker top)"
            return Probe("non-root", FAIL, f"{configured}: {evidence}; {advice}", values)
        if advice:
            return Probe("non-root", FAIL, f"{configured}; {advice}", values)
        if root:
            return Probe("non-root", FAIL, f"{configured}; {run} ran {', '.join(root[:3])} as root", values)
        if not seen.works:
            return Probe("non-root", FAIL, f"{configured}; no run worked to show another user", values)
        return Probe("non-root", FAIL, f"{configured}; no process was running in {run} to look at", values)
    if not seen.processes:
        return Probe("non-root", SKIP, f"no process was running in {run} to look at", values)
    if root and forced is not None and _is_root(forced):
        return Probe(
            "non-root", FAIL, f"it does not work as USER {image_user}: only {run}, as root, did", values
        )
    if root:
        return Probe("non-root", FAIL, f"runs as root in {run} ({', '.join(root[:3])})", values)
    where = "" if run == _HARDENED else f", in {run}"
    return Probe("non-root", PASS, f"runs as {ids} (USER {image_user}{where})", values)


_HARDENED = "the hardened run"


def _is_root(user: str) -> bool:
    """A USER (or --user) that means root: none, `root` or UID 0, with or without a group."""
    return user.split(":", 1)[0] in ("", "root", "0")


def _run_name(observation: Observation, profile: Profile) -> str:
    """Which run a measurement comes from: the hardened one, or the one with some measures left out."""
    applied = observation.profile.measures if observation.profile is not None else profile.measures
    left_out = [measure for measure in profile.measures if measure not in applied]
    if not left_out:
        return _HARDENED
    if len(left_out) == len(profile.measures) > 1:
        return "the run with no hardening"
    return f"the run without {', '.join(left_out)}"


def _health(observation: Observation, profile: Profile, has_check: bool, timeout: float) -> Probe:
    """From the hardened run, or the run that worked when hardening broke it (the message says which)."""
    if not has_check:
        return Probe("health", WARN, "no health check")
    run = _run_name(observation, profile)
    note = "" if run == _HARDENED else f" (in {run})"
    if observation.health == "healthy":
        seconds = observation.healthy_after
        return Probe("health", PASS, f"healthy after {seconds:.1f} s{note}", {"seconds": seconds})
    if observation.health == "unhealthy":
        return Probe("health", FAIL, f"unhealthy: its health check fails{note}", {"logs": observation.logs})
    return Probe(
        "health", FAIL, f"not healthy after {timeout:.0f} s ({observation.health or 'no status'}){note}"
    )


def _memory(main: Observation, measured: Observation, profile: Profile) -> Probe:
    """OOM kills and restarts under the hardened limits; peak memory and CPU from a run that ran."""
    values = {
        "peak_bytes": measured.peak_memory,
        "cpu_percent": measured.cpu_percent,
        "limit_bytes": profile.memory,
    }
    if main.oom_killed:
        return Probe(
            "limits", FAIL, f"killed for exceeding its memory limit ({_mib(profile.memory)})", values
        )
    if main.restarts:
        return Probe("limits", FAIL, f"restarted {main.restarts} times", values)
    if measured.peak_memory is None:
        return Probe("limits", SKIP, "no statistics (it was not running)", values)
    cpu = f", CPU {measured.cpu_percent:.1f}%" if measured.cpu_percent is not None else ""
    return Probe(
        "limits", PASS, f"peak memory {_mib(measured.peak_memory)} of {_mib(profile.memory)}{cpu}", values
    )


def _ports(observation: Observation, config: dict[str, Any]) -> Probe:
    exposed = {
        int(str(port).split("/", 1)[0])
        for port in (config.get("ExposedPorts") or {})
        if str(port).endswith("/tcp")
    }
    if observation.exit_code is not None or observation.error is not None:
        return Probe("ports", SKIP, "it was not running to look at")
    if observation.listening is None:
        return Probe("ports", SKIP, "the container's sockets could not be read (engine on another host?)")
    listening = {port for port in observation.listening if port > 0}
    loopback = sorted(-port for port in observation.listening if port < 0)
    values = {"listening": sorted(listening), "loopback_only": loopback, "exposed": sorted(exposed)}
    unexposed, silent = sorted(listening - exposed), sorted(exposed - listening)
    parts = []
    if unexposed:
        parts.append(f"listens on {_ports_text(unexposed)} without EXPOSE")
    if silent:
        parts.append(f"EXPOSEs {_ports_text(silent)} but nothing listens there")
    hidden = [port for port in loopback if port in exposed]
    if hidden:
        parts.append(f"listens on {_ports_text(hidden)} on loopback only: unreachable from outside")
    if parts:
        return Probe("ports", WARN, "; ".join(parts), values)
    if not listening:
        return Probe("ports", PASS, "listens on no port and EXPOSEs none", values)
    return Probe("ports", PASS, f"listens on {_ports_text(listening)}, as EXPOSE says", values)


def _ports_text(ports: Any) -> str:
    return ", ".join(str(port) for port in sorted(ports)) or "nothing"


def _sigterm(
    observation: Observation,
    profile: Profile,
    run: Callable[[Profile, bool], Observation],
    say: Callable[[str], None],
    stop_signal: str = "",
) -> Probe:
    """How `docker stop` ends the run that worked (or the hardened one, when none did, as long as it was
    still running): killed means what docker reports, exit 137 once the grace period is over. The
    signal is the image's STOPSIGNAL (or the service's stop_signal), SIGTERM when it names none."""
    if observation.stop_seconds is None:
        return Probe("sigterm", SKIP, "it was not running when stopped")
    grace = observation.profile.stop_grace_period
    stopped = _run_name(observation, profile)
    note = "" if stopped == _HARDENED else f", in {stopped}"
    signal = _signal_name(stop_signal)
    values: dict[str, Any] = {
        "stop_seconds": round(observation.stop_seconds, 2),
        "exit_code": observation.stop_exit_code,
        "grace_seconds": grace,
        "run": stopped,
        "signal": signal,
    }
    outcome = f"{observation.stop_seconds:.1f} s (exit {observation.stop_exit_code}){note}"
    if signal == "SIGKILL":
        return Probe(
            "sigterm",
            WARN,
            f"its stop signal is SIGKILL: killed at once, no clean shutdown, in {outcome}",
            values,
        )
    if not _killed(observation, grace):
        return Probe("sigterm", PASS, f"stops on {signal} in {outcome}", values)
    summary = (
        f"ignores {signal}: killed after the {grace:.0f} s grace period (exit {observation.stop_exit_code})"
        f"{note}; PID 1 does not pass the signal on or has no handler"
    )
    if not observation.profile.init:
        say("re-running with --init to confirm the PID 1 diagnosis")
        with_init = run(replace(observation.profile, init=True), True)
        if with_init.stop_seconds is not None:
            values["init_stop_seconds"] = round(with_init.stop_seconds, 2)
            values["init_exit_code"] = with_init.stop_exit_code
            if not _killed(with_init, grace):
                summary += (
                    f"; confirmed: with --init it stops in {with_init.stop_seconds:.1f} s — use the exec "
                    "form, exec in the entrypoint script, or `init: true`"
                )
            else:
                summary += f"; --init does not help: the program itself ignores {signal}"
    return Probe("sigterm", FAIL, summary, values)


def _signal_name(signal: str) -> str:
    """`SIGUSR1`, `USR1` and `sigusr1` alike as `SIGUSR1`; a number as `signal 10` (the engine's Linux
    numbering, which the host running dockwise may not share), except 9 and 15, the same everywhere."""
    text = signal.strip().upper() or "SIGTERM"
    if text.isdigit():
        return {"9": "SIGKILL", "15": "SIGTERM"}.get(text, f"signal {text}")
    return text if text.startswith("SIG") else f"SIG{text}"


def _killed(observation: Observation, grace: float) -> bool:
    """SIGKILLed at the end of the grace period, as `docker stop` does to what outlives it: exit 137
    (128 + SIGKILL) after the grace period. A slow handler that exits cleanly just inside the period is
    a clean stop, as docker reports it, however close to the end it finishes."""
    assert observation.stop_seconds is not None
    return observation.stop_exit_code == 137 and observation.stop_seconds >= stop_timeout(grace) - 0.05


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
    profile = from_runspec(spec, defaults)
    build = _compose_build(options.compose, options.service)
    if build is not None:
        context, dockerfile, target = build
        return profile, replace(
            options, context=context, dockerfile=dockerfile, target=target or options.target
        )
    if not spec.image:
        raise EngineError(f"{options.compose}: service {options.service!r} has neither image nor build")
    return profile, replace(options, image=spec.image)


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


def _mib(count: int | None) -> str:
    return "no limit" if count is None else f"{count / 1024 / 1024:.0f} MiB"
