"""verify's stop, health and user verdicts against the same checks done by hand with the docker CLI, on
the same image: `docker run -d`, `docker inspect --format '{{.State.Health.Status}}'`, `docker stop -t N`
timed with the exit code from `docker inspect`, `docker top` and `docker exec id -u`.

Docker's verdicts: killed on stop means exit 137 (SIGKILL at the end of the grace period); health is what
`State.Health.Status` says; the user is the UIDs `docker top` lists. verify must say the same.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from dockwise.engine.session import leftovers
from dockwise.verify.profile import Profile
from dockwise.verify.run import VerifyOptions, VerifyReport, verify
from dockwise.verify.verdicts import FAIL, PASS, WARN, Probe
from tests.engine.conftest import BaseImages, Engine
from tests.engine.plain_docker import PlainDocker, Stopped, docker_cli

pytestmark = pytest.mark.engine

GRACE = 2
LOOP = "while true; do sleep 1 & wait $!; done\n"
"""PID 1's busy loop; `wait` returns as soon as a trapped signal arrives, so the trap runs at once."""
HANDLES_TERM = "trap 'exit 0' TERM\n" + LOOP

Build = Callable[[str, dict[str, str]], str]
Checked = TypeVar("Checked")


@pytest.fixture
def docker(engine: Engine) -> Iterator[PlainDocker]:
    plain = PlainDocker(docker_cli())
    try:
        yield plain
    finally:
        assert plain.remove_all() == [], "a container of the docker CLI checks is left behind"


@pytest.fixture
def build(engine: Engine, tmp_path: Path) -> Iterator[Build]:
    """Build a Dockerfile (and files) into a labelled, tagged image; every one is removed afterwards."""
    tags: list[str] = []

    def build_image(dockerfile: str, files: dict[str, str]) -> str:
        context = tmp_path / f"context-{len(tags)}"
        context.mkdir()
        (context / "Dockerfile").write_text(dockerfile)
        for name, text in files.items():
            (context / name).write_text(text)
        tag = f"dockwise-test/verify-agrees:{uuid.uuid4().hex[:12]}"
        tags.append(tag)
        engine.build(context, tag)
        return tag

    try:
        yield build_image
    finally:
        for tag in tags:
            engine.remove_image(tag)


def _verify(
    engine: Engine, image: str, by_hand: Callable[[], Checked], grace: int = GRACE
) -> tuple[VerifyReport, list[str], Checked]:
    """verify on `image` (no build), with its progress messages, and `by_hand` (the docker CLI checks) at
    the same time in a thread: the test takes the longer of the two, not their sum. Nothing verify
    created is left."""
    messages: list[str] = []
    options = VerifyOptions(
        image=image,
        profile=Profile(stop_grace_period=grace),
        startup_timeout=20,
        progress=messages.append,
    )
    with ThreadPoolExecutor(max_workers=1) as pool:
        checked = pool.submit(by_hand)
        report = verify(options, engine.client)
        result = checked.result(timeout=120)
    assert report.run_id
    assert leftovers(engine.client, report.run_id) == []
    return report, messages, result


def _probe(report: VerifyReport, name: str) -> Probe:
    return next(probe for probe in report.probes if probe.name == name)


def _wait_for_loop(docker: PlainDocker, container: str) -> None:
    """Until PID 1's loop has started a `sleep` (the entrypoint is done), as verify waits before `top`."""
    deadline = time.monotonic() + 10
    while "sleep" not in docker.commands(container) and time.monotonic() < deadline:
        time.sleep(0.1)


def _stop_without_and_with_init(docker: PlainDocker, image: str) -> tuple[Stopped, Stopped]:
    """`docker run -d` and `docker stop -t GRACE`, then the same with `--init`."""
    container = docker.run(image)
    _wait_for_loop(docker, container)
    stopped = docker.stop(container, GRACE)
    with_init = docker.run(image, "--init")
    _wait_for_loop(docker, with_init)
    return stopped, docker.stop(with_init, GRACE)


def test_a_health_check_that_times_out_is_unhealthy_in_both(
    engine: Engine, base_images: BaseImages, build: Build, docker: PlainDocker
) -> None:
    image = build(
        f"FROM {base_images.busybox}\nCOPY app.sh /app.sh\nUSER 10001\n"
        "HEALTHCHECK --interval=200ms --timeout=1s --retries=1 CMD sleep 5\n"
        'CMD ["/bin/sh", "/app.sh"]\n',
        {"app.sh": HANDLES_TERM},
    )

    def by_hand() -> tuple[str, list[int], int, Stopped]:
        container = docker.run(image)
        status = docker.health(container, timeout=20)
        uids, exec_uid = docker.top_uids(container), docker.exec_uid(container)
        return status, uids, exec_uid, docker.stop(container, GRACE)

    report, messages, (status, uids, exec_uid, stopped) = _verify(engine, image, by_hand)

    assert status == "unhealthy"
    assert (_probe(report, "health").status, _probe(report, "health").summary) == (
        FAIL,
        "unhealthy: its health check fails",
    )
    assert _probe(report, "hardening").summary == "it does not run even without any hardening"
    assert not [m for m in messages if m.startswith("re-running without")], (
        "unhealthy with no hardening at all: leaving out one measure at a time cannot help"
    )
    # an unhealthy container is still running, and it stops like any other
    sigterm = _probe(report, "sigterm")
    assert stopped.exit_code == 0
    assert (sigterm.status, sigterm.values["exit_code"]) == (PASS, stopped.exit_code)
    assert _probe(report, "non-root").values["uids"] == uids == [exec_uid] == [10001]
    assert _probe(report, "ports").summary == "listens on no port and EXPOSEs none", "it was running"


def test_a_compose_health_check_replaces_the_images_as_docker_run_health_flags_do(
    engine: Engine, base_images: BaseImages, build: Build, docker: PlainDocker, tmp_path: Path
) -> None:
    """A Compose service's `healthcheck:` is what `docker compose up` runs, over the image's HEALTHCHECK;
    by hand that is `docker run --health-cmd ...` or `--no-healthcheck`. verify used to run the image's."""
    image = build(
        f"FROM {base_images.busybox}\nCOPY app.sh /app.sh\nUSER 10001\n"
        'HEALTHCHECK --interval=100ms --timeout=1s --retries=1 CMD ["false"]\nCMD ["/bin/sh", "/app.sh"]\n',
        {"app.sh": HANDLES_TERM},
    )
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        f"services:\n"
        f"  disabled:\n    image: {image}\n    stop_grace_period: 2s\n    healthcheck:\n      disable: true\n"
        f"  passing:\n    image: {image}\n    stop_grace_period: 2s\n"
        f"    healthcheck:\n      test: [CMD, 'true']\n      interval: 100ms\n"
    )

    def by_hand() -> tuple[str, str, str]:
        statuses = []
        for flags in ((), ("--no-healthcheck",), ("--health-cmd", "true", "--health-interval", "100ms")):
            container = docker.run(image, *flags)
            statuses.append(docker.health(container, timeout=20))
        return statuses[0], statuses[1], statuses[2]

    report, _, (image_check, disabled, passing) = _verify(engine, image, by_hand)
    assert image_check == _probe(report, "health").summary.split(":", 1)[0] == "unhealthy"
    runs = {}
    for service in ("disabled", "passing"):
        options = VerifyOptions(compose=compose, service=service, startup_timeout=20, cache_probe=False)
        runs[service] = verify(options, engine.client)
        assert leftovers(engine.client, runs[service].run_id) == []

    assert disabled == "none"
    assert _probe(runs["disabled"], "health").summary == "no health check"
    assert passing == "healthy"
    health = _probe(runs["passing"], "health")
    assert health.status == PASS
    assert health.summary.startswith("healthy after")
    assert not runs["passing"].failed


def test_a_health_check_that_passes_after_a_delay(
    engine: Engine, base_images: BaseImages, build: Build, docker: PlainDocker
) -> None:
    ready_after = 1.7
    image = build(
        f"FROM {base_images.busybox}\nCOPY app.sh /app.sh\nUSER 10001\n"
        "HEALTHCHECK --interval=100ms --timeout=1s --start-period=15s --retries=1 CMD test -f /tmp/ready\n"
        'CMD ["/bin/sh", "/app.sh"]\n',
        {"app.sh": f"(sleep {ready_after}; touch /tmp/ready) &\n" + HANDLES_TERM},
    )

    def by_hand() -> tuple[str, float, list[int]]:
        container = docker.run(image)
        status = docker.health(container, timeout=20)
        return status, docker.time_to_healthy(container), docker.top_uids(container)

    report, _, (status, docker_seconds, uids) = _verify(engine, image, by_hand)

    assert status == "healthy"
    health = _probe(report, "health")
    assert health.status == PASS
    seconds = health.values["seconds"]
    assert ready_after <= docker_seconds < ready_after + 1.5
    assert ready_after <= seconds < ready_after + 1.5
    assert abs(seconds - docker_seconds) < 0.4, (seconds, docker_seconds)
    assert _probe(report, "non-root").values["uids"] == uids == [10001]


def test_a_slow_sigterm_handler_within_the_grace_period_stops_cleanly(
    engine: Engine, base_images: BaseImages, build: Build, docker: PlainDocker
) -> None:
    grace = 4
    image = build(
        f'FROM {base_images.busybox}\nCOPY app.sh /app.sh\nUSER 10001\nCMD ["/bin/sh", "/app.sh"]\n',
        {"app.sh": "trap 'sleep 2; exit 0' TERM\n" + LOOP},
    )

    def by_hand() -> Stopped:
        container = docker.run(image)
        _wait_for_loop(docker, container)
        return docker.stop(container, grace)

    report, _, stopped = _verify(engine, image, by_hand, grace)

    sigterm = _probe(report, "sigterm")
    assert stopped.exit_code == 0
    assert 2 <= stopped.seconds < grace
    assert (sigterm.status, sigterm.values["exit_code"]) == (PASS, stopped.exit_code)
    assert abs(sigterm.values["stop_seconds"] - stopped.seconds) < 0.5


def test_a_sigterm_handler_slower_than_the_grace_period_is_killed_in_both(
    engine: Engine, base_images: BaseImages, build: Build, docker: PlainDocker
) -> None:
    image = build(
        f'FROM {base_images.busybox}\nCOPY app.sh /app.sh\nUSER 10001\nCMD ["/bin/sh", "/app.sh"]\n',
        {"app.sh": "trap 'sleep 5; exit 0' TERM\n" + LOOP},
    )
    report, _, (stopped, init_stopped) = _verify(
        engine, image, lambda: _stop_without_and_with_init(docker, image)
    )

    sigterm = _probe(report, "sigterm")
    assert stopped.exit_code == init_stopped.exit_code == 137
    assert (sigterm.status, sigterm.values["exit_code"]) == (FAIL, 137)
    assert sigterm.values["init_exit_code"] == init_stopped.exit_code
    assert "--init does not help: the program itself ignores SIGTERM" in sigterm.summary
    assert sigterm.values["stop_seconds"] >= GRACE
    assert stopped.seconds >= GRACE


def test_pid_1_that_ignores_sigterm_is_killed_and_init_fixes_it_in_both(
    engine: Engine, base_images: BaseImages, build: Build, docker: PlainDocker
) -> None:
    image = build(f"FROM {base_images.busybox}\nUSER 10001\nCMD sleep 1000\n", {})
    report, _, (stopped, init_stopped) = _verify(
        engine, image, lambda: _stop_without_and_with_init(docker, image)
    )

    sigterm = _probe(report, "sigterm")
    assert stopped.exit_code == 137
    assert init_stopped.exit_code != 137
    assert init_stopped.seconds < GRACE
    assert (sigterm.status, sigterm.values["exit_code"]) == (FAIL, stopped.exit_code)
    assert sigterm.values["stop_seconds"] >= GRACE, "it took the whole grace period"
    assert sigterm.values["init_exit_code"] == init_stopped.exit_code
    assert sigterm.values["init_stop_seconds"] < GRACE
    assert "confirmed: with --init it stops" in sigterm.summary


DROP_ROOT = "chown nobody /data && exec su -s /bin/sh nobody -c 'exec /bin/sh /app.sh'\n"
"""The gosu/su-exec pattern with busybox's su: chown as root, then exec the app as nobody (65534)."""


def test_an_entrypoint_that_drops_root_like_gosu_reports_the_uid_docker_top_shows(
    engine: Engine, base_images: BaseImages, build: Build, docker: PlainDocker
) -> None:
    """Started as root, it chowns /data and drops to 65534 (the gosu/su-exec pattern). Under --user it
    cannot chown, so only a run without hardening works; every process of that run is UID 65534, as
    `docker top` says, while `docker exec` still gets the configured user, root."""
    image = build(
        f"FROM {base_images.busybox}\nRUN mkdir /data\nCOPY entrypoint.sh app.sh /\n"
        'ENTRYPOINT ["/bin/sh", "/entrypoint.sh"]\n',
        {"entrypoint.sh": DROP_ROOT, "app.sh": HANDLES_TERM},
    )

    def by_hand() -> tuple[list[int], int, Stopped]:
        container = docker.run(image)
        _wait_for_loop(docker, container)
        return docker.top_uids(container), docker.exec_uid(container), docker.stop(container, GRACE)

    report, _, (uids, exec_uid, stopped) = _verify(engine, image, by_hand)

    assert uids == [65534]
    assert exec_uid == 0
    user = _probe(report, "non-root")
    assert "did not run as another user" not in user.summary
    assert user.status == WARN
    assert user.values["uids"] == uids
    assert user.values["run"] == "the run with no hardening"
    assert user.summary.startswith(
        "the image runs as root (no USER) and drops to UID 65534 GID 65534 itself: every process of the "
        "run with no hardening ran as UID 65534"
    )
    assert _probe(report, "hardening").summary.startswith("it runs only with every hardening measure off")
    sigterm = _probe(report, "sigterm")
    assert (sigterm.status, sigterm.values["exit_code"]) == (PASS, stopped.exit_code)


def test_an_entrypoint_that_drops_root_only_when_started_as_root(
    engine: Engine, base_images: BaseImages, build: Build, docker: PlainDocker
) -> None:
    """As the official postgres and redis images do: started as root it chowns and drops to 65534, started
    under --user it runs the app directly. It works hardened (forced to nobody), so verify runs it once
    more as its own user to see what `docker run` and `docker top` show: UID 65534, not root."""
    image = build(
        f"FROM {base_images.busybox}\nRUN mkdir /data\nCOPY entrypoint.sh app.sh /\n"
        'ENTRYPOINT ["/bin/sh", "/entrypoint.sh"]\n',
        {
            "entrypoint.sh": 'if [ "$(id -u)" = 0 ]; then\n  ' + DROP_ROOT + "fi\nexec /bin/sh /app.sh\n",
            "app.sh": HANDLES_TERM,
        },
    )

    def by_hand() -> list[int]:
        container = docker.run(image)
        _wait_for_loop(docker, container)
        return docker.top_uids(container)

    report, _, uids = _verify(engine, image, by_hand)
    assert uids == [65534]
    assert _probe(report, "starts").status == PASS
    user = _probe(report, "non-root")
    assert user.status == WARN
    assert (user.values["uids"], user.values["run"]) == (uids, "the run with no hardening")
    assert user.summary.endswith("it ran hardened as 65534:65534: add `USER 65534:65534`")
