"""`dockwise verify` on a real engine, with fixture images built from the local busybox base: each probe's
verdict is asserted, timings as bounds with margin, and nothing the runs create is left behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwise.engine.session import EngineSession, leftovers
from dockwise.verify.profile import Profile
from dockwise.verify.run import VerifyOptions, VerifyReport, verify
from dockwise.verify.verdicts import FAIL, PASS, WARN
from tests.engine.conftest import BaseImages, Engine

pytestmark = pytest.mark.engine

GRACE = 2.0
HANDLES_TERM = "trap 'exit 0' TERM\nwhile true; do sleep 1 & wait $!; done\n"
"""A shell as PID 1 that handles SIGTERM (a trap, and `wait` so the trap runs at once)."""


def _project(tmp_path: Path, name: str, dockerfile: str, files: dict[str, str] | None = None) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "Dockerfile").write_text(dockerfile)
    for file_name, text in (files or {}).items():
        (folder / file_name).write_text(text)
    return folder


def _verify(folder: Path, **changes: object) -> VerifyReport:
    options = VerifyOptions(
        context=folder,
        profile=Profile(stop_grace_period=GRACE),
        startup_timeout=20,
        cache_probe=False,
    )
    for name, value in changes.items():
        setattr(options, name, value)
    return verify(options)


def _probes(report: VerifyReport) -> dict[str, tuple[str, str]]:
    return {probe.name: (probe.status, probe.summary) for probe in report.probes}


def test_an_app_that_handles_sigterm_passes_everything(
    engine: Engine, base_images: BaseImages, tmp_path: Path
) -> None:
    folder = _project(
        tmp_path,
        "good",
        f"FROM {base_images.busybox}\nCOPY app.sh /app/app.sh\nUSER 10001:10001\n"
        'HEALTHCHECK --interval=1s --timeout=1s --retries=2 CMD ["true"]\nCMD ["/bin/sh", "/app/app.sh"]\n',
        {"app.sh": HANDLES_TERM},
    )
    report = _verify(folder, cache_probe=True)
    probes = _probes(report)
    assert {name: status for name, (status, _) in probes.items()} == {
        "starts": PASS,
        "non-root": PASS,
        "health": PASS,
        "limits": PASS,
        "ports": PASS,
        "sigterm": PASS,
        "rebuild": PASS,
    }
    sigterm = next(p for p in report.probes if p.name == "sigterm")
    assert sigterm.values["stop_seconds"] < GRACE - 0.5
    assert sigterm.values["exit_code"] == 0
    health = next(p for p in report.probes if p.name == "health")
    assert 0.5 <= health.values["seconds"] < 10, "healthy after the first 1 s interval"
    assert next(p for p in report.probes if p.name == "non-root").values["uids"] == [10001]
    rebuild = next(p for p in report.probes if p.name == "rebuild")
    assert rebuild.values["changed"] == "app.sh"
    assert rebuild.values["reran"] == ["2/2 COPY app.sh /app/app.sh"]
    assert not report.failed
    assert leftovers(engine.client, report.run_id) == []


def test_a_failing_health_check(engine: Engine, base_images: BaseImages, tmp_path: Path) -> None:
    folder = _project(
        tmp_path,
        "unhealthy",
        f"FROM {base_images.busybox}\nCOPY app.sh /app.sh\nUSER 10001\n"
        'HEALTHCHECK --interval=1s --timeout=1s --retries=2 CMD ["false"]\nCMD ["/bin/sh", "/app.sh"]\n',
        {"app.sh": HANDLES_TERM},
    )
    probes = _probes(_verify(folder))
    assert probes["health"] == (FAIL, "unhealthy: its health check fails")
    assert probes["starts"][0] == FAIL


def test_a_write_to_var_cache_under_read_only_is_found(
    engine: Engine, base_images: BaseImages, tmp_path: Path
) -> None:
    folder = _project(
        tmp_path,
        "writes",
        f"FROM {base_images.busybox}\nRUN mkdir -p /var/cache/app && chown 10001 /var/cache/app\n"
        'COPY app.sh /app.sh\nUSER 10001\nCMD ["/bin/sh", "/app.sh"]\n',
        {"app.sh": "echo warm > /var/cache/app/index || exit 3\n" + HANDLES_TERM},
    )
    report = _verify(folder)
    probes = _probes(report)
    assert probes["starts"][0] == FAIL
    assert "exited 3" in probes["starts"][1]
    status, summary = probes["read-only"]
    assert status == FAIL
    written = next(p for p in report.probes if p.name == "read-only").values["written"]
    assert "/var/cache/app/index" in written
    assert "mount a tmpfs" in summary
    assert set(probes) >= {"non-root", "sigterm"}, "the other probes use the run that worked"
    assert probes["sigterm"][0] == PASS


def test_an_image_that_runs_as_root(engine: Engine, base_images: BaseImages, tmp_path: Path) -> None:
    """It works hardened as nobody; one more run as its own user shows it stays root (docker top)."""
    folder = _project(
        tmp_path,
        "root",
        f'FROM {base_images.busybox}\nCOPY app.sh /app.sh\nCMD ["/bin/sh", "/app.sh"]\n',
        {"app.sh": HANDLES_TERM},
    )
    report = _verify(folder)
    status, summary = _probes(report)["non-root"]
    assert status == FAIL
    assert summary.startswith("the image runs as root (no USER): the run with no hardening ran sh")
    assert summary.endswith("as root (docker top); it ran hardened as 65534:65534: add `USER 65534:65534`")
    user = next(p for p in report.probes if p.name == "non-root")
    assert 0 in user.values["uids"]


def test_an_image_that_exceeds_its_memory_limit(
    engine: Engine, base_images: BaseImages, tmp_path: Path
) -> None:
    folder = _project(
        tmp_path,
        "hungry",
        f"FROM {base_images.busybox}\nUSER 10001\n"
        'CMD ["dd", "if=/dev/zero", "of=/dev/null", "bs=96M", "count=1"]\n',
    )
    report = _verify(folder, profile=Profile(stop_grace_period=GRACE, memory=48 * 1024 * 1024))
    probes = _probes(report)
    assert probes["limits"] == (FAIL, "killed for exceeding its memory limit (48 MiB)")
    assert probes["memory-limit"][0] == FAIL, "without the limit it runs: the limit is the cause"
    assert probes["ports"][0] in (PASS, WARN, "skip")


def test_cli_json_and_exit_status(
    engine: Engine, base_images: BaseImages, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dockwise.cli import main

    folder = _project(tmp_path, "cli", f"FROM {base_images.busybox}\nUSER 10001\nCMD sleep 1000\n")
    code = main(["verify", str(folder), "--stop-timeout", "1", "--no-rebuild", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["failed"] is True
    assert {p["name"]: p["status"] for p in document["probes"]}["sigterm"] == "fail"
    assert document["build"]["steps"][0]["instruction"].startswith("FROM")
    assert leftovers(engine.client, document["run_id"]) == []


@pytest.fixture
def run_ids(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The run id of every engine session this test opens (other verify runs may share the engine, so a
    test checks its own labels only)."""
    opened: list[str] = []
    enter = EngineSession.__enter__

    def recording(session: EngineSession) -> EngineSession:
        opened.append(session.run_id)
        return enter(session)

    monkeypatch.setattr(EngineSession, "__enter__", recording)
    return opened


def test_check_verify_runs_every_dockerfile_and_service(
    engine: Engine,
    base_images: BaseImages,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    run_ids: list[str],
) -> None:
    from dockwise.cli import main

    folder = _project(
        tmp_path,
        "project",
        f'FROM {base_images.busybox}\nCOPY app.sh /app.sh\nUSER 10001\nCMD ["/bin/sh", "/app.sh"]\n',
        {"app.sh": HANDLES_TERM},
    )
    (folder / "compose.yaml").write_text(
        "services:\n  app:\n    build: .\n    user: '10001'\n    read_only: true\n    cap_drop: [ALL]\n"
        "    security_opt: [no-new-privileges:true]\n    mem_limit: 64m\n    pids_limit: 64\n"
        "    stop_grace_period: 2s\n"
    )
    code = main(["check", str(folder), "--verify", "--exit-zero"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"verify {folder / 'Dockerfile'}" in out
    assert f"verify {folder / 'compose.yaml'} service app" in out
    compose_part = out.split("service app", 1)[1]
    assert (
        "PASS  starts             runs hardened (non-root, read-only, cap-drop, no-new-privileges, "
        in compose_part
    )
    assert "WARN  health             no health check" in compose_part
    assert len(run_ids) == 2
    assert [leftovers(engine.client, run_id) for run_id in run_ids] == [[], []]
