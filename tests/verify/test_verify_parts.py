"""The parts of verify that need no engine: BuildKit progress parsing, profiles and their measures,
the file the rebuild probe changes, and the reports."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

from dockwise.engine.build import BuildResult, parse_steps
from dockwise.engine.observe import Observation
from dockwise.runspec.compose import load_compose
from dockwise.verify.profile import (
    MEASURES,
    NOBODY,
    Profile,
    container_options,
    for_image,
    from_runspec,
    unhardened,
)
from dockwise.verify.report import render_json, render_junit, render_text
from dockwise.verify.run import VerifyReport, _bisect, _copied_source
from dockwise.verify.verdicts import FAIL, PASS, SKIP, WARN, Probe, ports, sigterm, user

PLAIN_LOG = """\
#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 120B done
#1 DONE 0.0s
#4 [build 1/3] FROM docker.io/library/golang:1.22
#4 CACHED
#5 [build 2/3] COPY go.mod go.sum ./
#5 CACHED
#6 [build 3/3] RUN go build -o /app .
#6 DONE 12.5s
#7 [stage-1 1/2] COPY --from=build /app /app
#7 DONE 0.1s
#8 exporting to image
#8 DONE 0.2s
"""


def test_build_steps_from_plain_progress() -> None:
    steps = parse_steps(PLAIN_LOG.splitlines())
    assert [(s.stage, s.instruction, s.cached, s.seconds) for s in steps] == [
        ("build 1/3", "FROM docker.io/library/golang:1.22", True, None),
        ("build 2/3", "COPY go.mod go.sum ./", True, None),
        ("build 3/3", "RUN go build -o /app .", False, 12.5),
        ("stage-1 1/2", "COPY --from=build /app /app", False, 0.1),
    ]
    result = BuildResult("sha256:x", 13.0, steps)
    assert [s.instruction for s in result.ran] == ["RUN go build -o /app .", "COPY --from=build /app /app"]


def test_the_default_profile_and_leaving_one_measure_out() -> None:
    profile = Profile()
    options = container_options(profile, "net")
    assert options["user"] == NOBODY
    assert options["read_only"] is True
    assert options["tmpfs"] == {"/tmp": "rw,nosuid,nodev,size=64m"}
    assert options["cap_drop"] == ["ALL"]
    assert options["security_opt"] == ["no-new-privileges:true"]
    assert (options["mem_limit"], options["memswap_limit"], options["pids_limit"]) == (2**28, 2**28, 256)
    assert options["network"] == "net"
    for measure in MEASURES:
        lighter = container_options(profile.without(measure), "net")
        assert lighter != options, measure
        assert measure not in profile.without(measure).measures
    assert container_options(profile.without("read-only"), "net")["read_only"] is False
    assert "network" not in container_options(profile.without("network"), "net")
    assert container_options(profile.without("non-root"), "net")["user"] == "0:0"


def test_an_image_with_its_own_user_keeps_it() -> None:
    assert for_image("10001:10001", Profile()).user is None
    assert for_image("app", Profile()).user is None
    assert for_image("", Profile()).user == NOBODY
    assert for_image("root", Profile()).user == NOBODY
    assert for_image("0:0", Profile()).user == NOBODY


def test_a_compose_service_is_run_with_its_own_settings(tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n  api:\n    image: app:1\n    user: '10001'\n    read_only: true\n    tmpfs: [/run]\n"
        "    cap_drop: [ALL]\n    mem_limit: 128m\n    init: true\n    stop_grace_period: 3s\n"
        "    environment: {MODE: prod}\n"
    )
    spec = load_compose([compose]).services["api"]
    profile = from_runspec(spec, Profile())
    assert profile.measures == ("non-root", "read-only", "cap-drop", "memory-limit", "network")
    assert (profile.user, profile.read_only, profile.tmpfs, profile.memory) == (
        "10001",
        True,
        ("/run",),
        128 * 2**20,
    )
    assert (profile.init, profile.stop_grace_period, profile.environment) == (True, 3.0, {"MODE": "prod"})
    assert profile.pids_limit is None
    assert not profile.no_new_privileges


def test_the_rebuild_probe_changes_a_file_the_last_copy_brings_in(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('hi')\n")
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12-slim AS base\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        'COPY src/ /app/\nCOPY --from=base /etc/hostname /x\nCMD ["python", "/app/main.py"]\n'
    )
    assert _copied_source(tmp_path, None) == Path("src/main.py")
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY --from=other /a /a\n")
    assert _copied_source(tmp_path, None) is None


def _report() -> VerifyReport:
    return VerifyReport(
        "Dockerfile",
        image="sha256:abc",
        image_size=12_000_000,
        layers=3,
        probes=[
            Probe("starts", PASS, "runs hardened and stays up"),
            Probe("sigterm", FAIL, "ignores SIGTERM", {"stop_seconds": 10.2, "exit_code": 137}),
            Probe("health", WARN, "no health check"),
        ],
        seconds=14.0,
    )


def test_reports_give_a_verdict_per_probe() -> None:
    report = _report()
    text = render_text(report)
    assert "  FAIL  sigterm            ignores SIGTERM" in text
    assert text.rstrip().endswith("1 failed, 1 warnings, in 14.0 s")
    document = json.loads(render_json(report))
    assert document["failed"] is True
    assert document["probes"][1] == {
        "name": "sigterm",
        "status": "fail",
        "summary": "ignores SIGTERM",
        "values": {"stop_seconds": 10.2, "exit_code": 137},
    }
    suite = ElementTree.fromstring(render_junit(report))
    assert (suite.get("tests"), suite.get("failures")) == ("3", "1")
    failure = suite.find("testcase[@name='sigterm']/failure")
    assert failure is not None
    assert failure.get("message") == "ignores SIGTERM"


def test_ports_of_a_container_that_exited_are_not_blamed_on_the_engine() -> None:
    assert ports(Observation(exit_code=0), {}) == Probe("ports", SKIP, "it was not running to look at")
    still_running = ports(Observation(), {})
    assert still_running.summary == "the container's sockets could not be read (engine on another host?)"
    assert ports(Observation(listening={8080}), {"ExposedPorts": {"8080/tcp": {}}}).status == PASS


def _quiet(message: str) -> None:
    """verify's progress callback, with nowhere to report to."""


def _never_run(profile: Profile, stop: bool) -> Observation:
    raise AssertionError(f"no further run was needed, yet one was started with {profile}")


def test_a_handler_that_exits_cleanly_just_inside_the_grace_period_is_not_killed() -> None:
    """docker reports exit 0 for a stop that finishes 0.1 s before the grace period ends: a clean stop,
    not SIGKILL (it used to count as killed from 0.25 s before the end)."""
    profile = Profile(stop_grace_period=2.0)
    slow = Observation(profile=profile, stop_seconds=1.9, stop_exit_code=0)
    probe = sigterm(slow, profile, _never_run, lambda _: None)
    assert (probe.status, probe.summary) == (PASS, "stops on SIGTERM in 1.9 s (exit 0)")
    killed = Observation(profile=profile, stop_seconds=2.1, stop_exit_code=137)
    confirmed = sigterm(
        killed,
        profile,
        lambda variant, stop: Observation(profile=variant, stop_seconds=0.2, stop_exit_code=143),
        lambda _: None,
    )
    assert confirmed.status == FAIL
    assert (confirmed.values["exit_code"], confirmed.values["init_exit_code"]) == (137, 143)
    assert "confirmed: with --init it stops in 0.2 s" in confirmed.summary


def test_the_stop_of_a_run_that_failed_but_ran_is_still_measured() -> None:
    """An unhealthy container is running until stopped; `docker stop` on it is as telling as on any."""
    profile = Profile(stop_grace_period=2.0)
    unhealthy = Observation(profile=profile, health="unhealthy", stop_seconds=0.3, stop_exit_code=0)
    assert sigterm(unhealthy, profile, _never_run, lambda _: None).status == PASS
    exited = Observation(profile=profile, exit_code=1)
    assert sigterm(exited, profile, _never_run, lambda _: None).status == SKIP


def test_the_user_verdict_names_the_run_its_uids_come_from() -> None:
    hardened = Profile()
    without_read_only = Observation(
        profile=hardened.without("read-only"), processes=[(65534, 65534, "sh"), (65534, 65534, "sleep")]
    )
    probe = user(without_read_only, hardened, "")
    assert (probe.status, probe.summary) == (
        FAIL,
        "the image runs as root (no USER); it worked in the run without read-only as 65534:65534: "
        "add `USER 65534:65534`",
    )
    assert (probe.values["uids"], probe.values["run"]) == ([65534], "the run without read-only")

    bare = unhardened(hardened)
    drops = Observation(profile=bare, processes=[(65534, 65534, "sh")])
    probe = user(drops, hardened, "")
    assert probe.status == WARN
    assert probe.summary.startswith(
        "the image runs as root (no USER) and drops to UID 65534 GID 65534 itself: every process of the "
        "run with no hardening ran as UID 65534 GID 65534 (docker top)"
    )
    stays_root = Observation(profile=bare, processes=[(0, 0, "nginx"), (101, 101, "nginx")])
    assert user(stays_root, hardened, "root").summary == (
        "the image runs as root (USER root); the run with no hardening ran nginx as root"
    )

    own_user = for_image("10001", hardened)
    as_root = Observation(profile=own_user.without("non-root"), processes=[(0, 0, "app")])
    assert user(as_root, own_user, "10001").summary == (
        "it does not work as USER 10001: only the run without non-root, as root, did"
    )
    assert user(Observation(profile=own_user, exit_code=0), own_user, "10001").status == SKIP
    passing = user(Observation(profile=own_user, processes=[(10001, 10001, "app")]), own_user, "10001")
    assert (passing.status, passing.summary) == (PASS, "runs as UID 10001 GID 10001 (USER 10001)")


def test_a_compose_service_running_as_root_is_not_told_to_add_user_root() -> None:
    as_root = Profile(user="root", measures=("network",))
    observation = Observation(profile=as_root, processes=[(0, 0, "app")])
    probe = user(observation, as_root, "")
    assert probe.status == FAIL
    assert "USER root`" not in probe.summary
    assert probe.summary == "the image runs as root (no USER); the hardened run ran app as root"


def _fake_runs(
    works: Callable[[Profile], bool],
) -> tuple[list[Profile], Callable[[Profile, bool], Observation]]:
    """The bisection's run function over a rule saying which profiles work: engine behaviour is in the
    engine tests; here only which runs the bisection asks for, in which order."""
    asked: list[Profile] = []

    def run(profile: Profile, stop: bool) -> Observation:
        asked.append(profile)
        return Observation(profile=profile, exit_code=0 if works(profile) else 1)

    return asked, run


def test_an_image_broken_without_any_hardening_needs_one_more_run_not_one_per_measure() -> None:
    asked, run = _fake_runs(lambda profile: False)
    assert _bisect(run, Profile(), lambda _: None) == ([], None)
    assert [profile.measures for profile in asked] == [()]


def test_the_bisection_finds_the_measure_and_the_combination() -> None:
    asked, run = _fake_runs(lambda profile: not profile.read_only)
    culprits, working = _bisect(run, Profile(), lambda _: None)
    assert culprits == ["read-only"]
    assert working is not None
    assert working.profile.measures == tuple(m for m in MEASURES if m != "read-only")
    assert len(asked) == 1 + len(MEASURES)

    asked, run = _fake_runs(lambda profile: profile.user == "0:0" and not profile.cap_drop)
    culprits, working = _bisect(run, Profile(), lambda _: None)
    assert culprits == ["the combination"]
    assert working is not None
    assert working.profile.measures == ()


def test_engine_timestamps_keep_their_nanoseconds() -> None:
    from dockwise.engine.observe import _timestamp_ns

    assert _timestamp_ns("2026-12-07T00:34:28.179904564Z") == 1796603668_179904564
    assert _timestamp_ns("2026-12-07T00:34:28Z") == 1796603668_000000000
    assert _timestamp_ns("2026-12-07T00:34:28.5Z") == 1796603668_500000000
    assert _timestamp_ns("") is None
    assert _timestamp_ns(None) is None
    assert _timestamp_ns("yesterday Z") is None


def test_a_compose_health_check_goes_to_the_engine_over_the_images(tmp_path: Path) -> None:
    from dockwise.verify.profile import has_health_check

    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n"
        "  own:\n    image: app\n    healthcheck:\n      test: curl -f http://localhost/\n"
        "      interval: 100ms\n      retries: 2\n"
        "  tuned:\n    image: app\n    healthcheck:\n      timeout: 3s\n"
        "  off:\n    image: app\n    healthcheck:\n      disable: true\n"
        "  plain:\n    image: app\n"
    )
    services = load_compose([compose]).services
    profiles = {name: from_runspec(spec, Profile()) for name, spec in services.items()}
    assert container_options(profiles["own"], None)["healthcheck"] == {
        "test": ["CMD-SHELL", "curl -f http://localhost/"],
        "interval": 100_000_000,
        "retries": 2,
    }
    assert container_options(profiles["tuned"], None)["healthcheck"] == {"timeout": 3_000_000_000}
    assert container_options(profiles["off"], None)["healthcheck"] == {"test": ["NONE"]}
    assert "healthcheck" not in container_options(profiles["plain"], None)
    image_check = ["CMD", "false"]
    assert [has_health_check(image_check, profiles[name]) for name in ("own", "tuned", "off", "plain")] == [
        True,
        True,
        False,
        True,
    ]
    assert has_health_check(None, profiles["own"]) is True
    assert has_health_check(None, profiles["tuned"]) is False, "nothing to run: no test anywhere"
    assert has_health_check(["NONE"], profiles["plain"]) is False


def test_the_stop_verdict_names_the_signal_docker_stop_sends() -> None:
    profile = Profile(stop_grace_period=2.0)
    quick = Observation(profile=profile, stop_seconds=0.1, stop_exit_code=0)
    assert (
        sigterm(quick, profile, _never_run, _quiet, "SIGUSR1").summary == "stops on SIGUSR1 in 0.1 s (exit 0)"
    )
    assert sigterm(quick, profile, _never_run, _quiet, "").summary == "stops on SIGTERM in 0.1 s (exit 0)"
    assert sigterm(quick, profile, _never_run, _quiet, "quit").summary.startswith("stops on SIGQUIT")
    assert sigterm(quick, profile, _never_run, _quiet, "10").values["signal"] == "signal 10"
    assert sigterm(quick, profile, _never_run, _quiet, "15").values["signal"] == "SIGTERM"
    at_once = Observation(profile=profile, stop_seconds=0.1, stop_exit_code=137)
    probe = sigterm(at_once, profile, _never_run, _quiet, "SIGKILL")
    assert probe.status == WARN
    assert probe.summary.startswith("its stop signal is SIGKILL: killed at once")


def test_a_root_image_that_worked_as_nobody_is_judged_by_its_run_as_root() -> None:
    hardened = Profile()
    as_nobody = Observation(profile=hardened, processes=[(65534, 65534, "redis-server")])
    plain = Observation(profile=unhardened(hardened), processes=[(999, 999, "redis-server")])
    drops = user(as_nobody, hardened, "", plain)
    assert drops.status == WARN
    assert drops.summary == (
        "the image runs as root (no USER) and drops to UID 999 GID 999 itself: every process of the run "
        "with no hardening ran as UID 999 GID 999 (docker top); it ran hardened as 65534:65534: "
        "add `USER 65534:65534`"
    )
    assert (drops.values["uids"], drops.values["run"]) == ([999], "the run with no hardening")
    stays = Observation(profile=plain.profile, processes=[(0, 0, "sh"), (0, 0, "sh"), (0, 0, "sleep")])
    probe = user(as_nobody, hardened, "", stays)
    assert (probe.status, probe.values["uids"]) == (FAIL, [0])
    assert probe.summary.startswith(
        "the image runs as root (no USER): the run with no hardening ran sh, sleep as root (docker top); "
    )
    failed_as_root = Observation(profile=plain.profile, exit_code=1)
    probe = user(as_nobody, hardened, "", failed_as_root)
    assert (probe.status, probe.values["run"], probe.values["uids"]) == (FAIL, "the hardened run", [65534])
