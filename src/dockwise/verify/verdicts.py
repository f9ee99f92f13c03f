"""Each probe's verdict from the observations of verify's runs: what `docker top`, the health events,
a timed `docker stop` and the rest showed, said as docker would say it, naming the run it comes from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from dockwise.engine.observe import Observation, stop_timeout
from dockwise.verify.profile import ADVICE, Profile

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"


@dataclass
class Probe:
    name: str
    status: str
    summary: str
    values: dict[str, Any] = field(default_factory=dict)


def starts(main: Observation, profile: Profile) -> list[Probe]:
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


def hardening(
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


def user(
    observation: Observation, profile: Profile, image_user: str, as_image_user: Observation | None = None
) -> Probe:
    """Whom the processes run as, from `docker top` of the run that worked (the hardened one, or the one
    the bisection found; the hardened run when none did), and the verdict names that run.

    An image whose own user is root fails, unless its entrypoint drops every process to another user
    itself (gosu, su-exec, setpriv): then they are not root, as `docker top` of a plain `docker run`
    shows, but the start is. When the run that worked had another user forced on it, `as_image_user` is
    a run as the image's own user, root, with no hardening, to see whether it drops root itself."""
    forced = observation.profile.user if observation.profile is not None else None
    hardened_as = forced if observation.works and forced is not None and not is_root(forced) else None
    seen = as_image_user if as_image_user is not None and as_image_user.works else observation
    run = _run_name(seen, profile)
    uids = sorted({uid for uid, _, _ in seen.processes})
    gids = sorted({gid for _, gid, _ in seen.processes})
    values: dict[str, Any] = {"image_user": image_user or "root", "uids": uids, "gids": gids, "run": run}
    ids = f"UID {','.join(map(str, uids))} GID {','.join(map(str, gids))}"
    root = list(dict.fromkeys(command for uid, _, command in seen.processes if uid == 0))
    if is_root(image_user):
        configured = f"the image runs as root ({f'USER {image_user}' if image_user else 'no USER'})"
        advice = ""
        if hardened_as is not None:
            where = _run_name(observation, profile)
            worked = "ran hardened" if where == _HARDENED else f"worked in {where}"
            advice = f"it {worked} as {hardened_as}: add `USER {hardened_as}`"
        seen_as_root = seen.profile is None or seen.profile.user is None or is_root(seen.profile.user)
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
    if root and forced is not None and is_root(forced):
        return Probe(
            "non-root", FAIL, f"it does not work as USER {image_user}: only {run}, as root, did", values
        )
    if root:
        return Probe("non-root", FAIL, f"runs as root in {run} ({', '.join(root[:3])})", values)
    where = "" if run == _HARDENED else f", in {run}"
    return Probe("non-root", PASS, f"runs as {ids} (USER {image_user}{where})", values)


_HARDENED = "the hardened run"


def is_root(user: str) -> bool:
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


def health(observation: Observation, profile: Profile, has_check: bool, timeout: float) -> Probe:
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


def memory(main: Observation, measured: Observation, profile: Profile) -> Probe:
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


def ports(observation: Observation, config: dict[str, Any]) -> Probe:
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


def sigterm(
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


def _mib(count: int | None) -> str:
    return "no limit" if count is None else f"{count / 1024 / 1024:.0f} MiB"
