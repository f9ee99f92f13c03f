"""The parts of verify that need no engine: BuildKit progress parsing, profiles and their measures,
the file the rebuild probe changes, and the reports."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from dockwise.engine.build import BuildResult, parse_steps
from dockwise.runspec.compose import load_compose
from dockwise.verify.profile import MEASURES, NOBODY, Profile, container_options, for_image, from_runspec
from dockwise.verify.report import render_json, render_junit, render_text
from dockwise.verify.run import FAIL, PASS, WARN, Probe, VerifyReport, _copied_source

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
    from dockwise.engine.observe import Observation
    from dockwise.verify.run import SKIP, _ports

    assert _ports(Observation(exit_code=0), {}) == Probe("ports", SKIP, "it was not running to look at")
    still_running = _ports(Observation(), {})
    assert still_running.summary == "the container's sockets could not be read (engine on another host?)"
    assert _ports(Observation(listening={8080}), {"ExposedPorts": {"8080/tcp": {}}}).status == PASS
