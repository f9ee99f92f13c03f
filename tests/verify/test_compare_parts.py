"""The parts of `verify --compare` that need no engine: which differences are regressions, the reduction,
the three reports and the command line's refusals. The engine tests build and run real rewrites."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from dockwise.verify.compare import CompareReport, differences
from dockwise.verify.compare_report import render_json, render_junit, render_text
from dockwise.verify.run import VerifyReport
from dockwise.verify.verdicts import FAIL, PASS, SKIP, WARN, Probe
from tests.cli.test_cli import run


def _working(**statuses: str) -> list[Probe]:
    probes = {
        "starts": Probe("starts", PASS, "runs hardened and stays up"),
        "non-root": Probe("non-root", PASS, "runs as UID 65534 GID 65534 (USER nobody)"),
        "health": Probe("health", PASS, "healthy after 2.1 s"),
        "ports": Probe(
            "ports", PASS, "listens on 8080, as EXPOSE says", {"listening": [8080], "exposed": [8080]}
        ),
        "sigterm": Probe("sigterm", PASS, "stops on SIGTERM in 0.1 s (exit 0)"),
    }
    for name, status in statuses.items():
        probes[name] = Probe(name, status, f"{name} is {status} here")
    return list(probes.values())


def test_the_same_verdicts_are_no_difference_even_when_the_measurements_move() -> None:
    rewritten = _working()
    rewritten[2] = Probe("health", PASS, "healthy after 2.4 s")
    assert differences(_working(), rewritten) == []


def test_a_probe_the_rewrite_fails_is_a_regression_and_one_it_passes_is_not() -> None:
    found = differences(_working(health=WARN), _working(starts=FAIL))
    assert [(d.probe, d.worse, d.why) for d in found] == [
        ("starts", True, "pass in the original, fail in the rewrite"),
        ("health", False, "warn in the original, pass in the rewrite"),
    ]


def test_a_measurement_lost_in_the_rewrite_is_a_regression() -> None:
    """A rewrite whose CMD exits at once passes `starts` (exited 0) but its stop and ports cannot be
    measured any more: skipped where the original passed."""
    found = differences(_working(), _working(sigterm=SKIP, ports=SKIP))
    assert {d.probe: d.worse for d in found} == {"ports": True, "sigterm": True}


def test_a_probe_only_the_rewrite_has_is_a_hardening_measure_it_breaks() -> None:
    rewritten = [*_working(), Probe("read-only", FAIL, "breaks under read-only")]
    (found,) = differences(_working(), rewritten)
    assert (found.probe, found.worse, found.original) == ("read-only", True, None)


def test_the_worst_of_two_probes_with_one_name_counts() -> None:
    """`non-root` is both a hardening measure that can break the image and the user verdict."""
    rewritten = [*_working(), Probe("non-root", FAIL, "breaks under non-root")]
    (found,) = differences(_working(), rewritten)
    assert found.rewritten is not None
    assert found.rewritten.summary == "breaks under non-root"


def test_ports_the_rewrite_no_longer_listens_on_are_a_regression() -> None:
    original = _working()
    rewritten = _working()
    rewritten[3] = Probe("ports", PASS, "listens on 9090, as EXPOSE says", {"listening": [9090]})
    (found,) = differences(original, rewritten)
    assert (found.worse, found.why) == (True, "no longer listens on 8080; now listens on 9090")
    rewritten[3] = Probe("ports", PASS, "listens on 8080, 9090", {"listening": [8080, 9090]})
    (found,) = differences(original, rewritten)
    assert (found.worse, found.why) == (False, "now listens on 9090")


def _verified(subject: str, size: int, layers: int, probes: list[Probe]) -> VerifyReport:
    return VerifyReport(subject, image="sha256:0", image_size=size, layers=layers, probes=probes, seconds=5.0)


def test_the_reports_give_sizes_reduction_and_regressions() -> None:
    original = _verified("go/Dockerfile", 1_244_500_000, 6, _working())
    rewritten = _verified("go/Dockerfile.multistage", 8_700_000, 2, _working(starts=FAIL))
    report = CompareReport(original, rewritten, differences=differences(original.probes, rewritten.probes))
    assert report.failed
    assert report.saved_bytes == 1_235_800_000
    assert report.reduction_percent == pytest.approx(99.30, abs=0.01)
    text = render_text(report)
    assert "compare go/Dockerfile with go/Dockerfile.multistage" in text
    assert "  smaller by 1235.8 MB (99.3%), 4 fewer layers" in text
    assert "  starts             PASS      FAIL" in text
    assert "  WORSE  starts: pass in the original, fail in the rewrite" in text
    assert "      rewritten: starts is fail here" in text
    assert text.rstrip().endswith("FAILED: the rewrite makes 1 probe(s) worse (starts), in 10.0 s")
    document = json.loads(render_json(report))
    assert document["size"] == {
        "original_bytes": 1_244_500_000,
        "rewritten_bytes": 8_700_000,
        "saved_bytes": 1_235_800_000,
        "reduction_percent": 99.3,
    }
    assert document["layers"] == {"original": 6, "rewritten": 2}
    assert [d["probe"] for d in document["differences"] if d["worse"]] == ["starts"]
    assert document["original"]["subject"] == "go/Dockerfile"
    assert document["failed"] is True
    suite = ElementTree.fromstring(render_junit(report))
    assert (suite.get("tests"), suite.get("failures")) == ("6", "1")
    assert suite.find("testcase[@name='starts']/failure") is not None
    assert suite.find("testcase[@name='health']/failure") is None


def test_the_text_report_folds_what_a_rewrite_that_does_not_start_could_not_measure() -> None:
    original = _verified("Dockerfile", 1_000_000_000, 7, _working())
    rewritten = _verified("Dockerfile.new", 10_000_000, 2, _working(starts=FAIL, ports=SKIP, sigterm=SKIP))
    report = CompareReport(original, rewritten, differences=differences(original.probes, rewritten.probes))
    text = render_text(report)
    assert "  WORSE  starts: pass in the original, fail in the rewrite" in text
    assert "  WORSE  ports, sigterm: not measured, the rewrite was not running" in text
    assert "WORSE  ports:" not in text
    assert len(json.loads(render_json(report))["differences"]) == 3


def test_a_rewrite_that_keeps_every_verdict_passes() -> None:
    original = _verified("Dockerfile", 1_000_000_000, 7, _working())
    rewritten = _verified("Dockerfile.multistage", 100_000_000, 5, _working())
    report = CompareReport(original, rewritten, differences=[])
    assert not report.failed
    assert render_text(report).rstrip().endswith("the rewrite keeps every probe's result, in 10.0 s")
    assert json.loads(render_json(report))["size"]["reduction_percent"] == 90.0


def test_a_rewrite_that_grows_the_image_says_so() -> None:
    original = _verified("Dockerfile", 100_000_000, 2, _working())
    rewritten = _verified("Dockerfile.new", 150_000_000, 3, _working())
    text = render_text(CompareReport(original, rewritten))
    assert "  LARGER by 50.0 MB (50.0%), 1 more layers" in text


def test_a_rewrite_that_does_not_build_fails_the_comparison() -> None:
    original = _verified("Dockerfile", 100_000_000, 2, _working())
    report = CompareReport(original, None, build_error="the build of . failed:\nno such stage")
    assert report.failed
    assert report.saved_bytes is None
    assert "  rewritten  does not build: the build of . failed:" in render_text(report)
    assert json.loads(render_json(report))["rewritten"] is None
    suite = ElementTree.fromstring(render_junit(report))
    assert suite.find("testcase[@name='build']/failure") is not None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--compare", "missing", "Dockerfile"], "missing: no such Dockerfile"),
        (["--compare", "Dockerfile", "Dockerfile", "--image", "x"], "it does not go with --image"),
        (["Dockerfile", "--compare", "Dockerfile", "Dockerfile"], "it does not go with PATH"),
        (["--compare", "Dockerfile", "Dockerfile", "--context", "nowhere"], "--context nowhere: no such"),
        (["Dockerfile", "--context", "."], "--context goes with --compare"),
    ],
)
def test_the_command_line_refuses_what_it_cannot_compare(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    status, _, errors = run(capsys, "verify", *arguments)
    assert status == 2
    assert message in errors
    assert "Traceback" not in errors
