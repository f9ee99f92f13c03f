"""Nothing a verify run creates outlives it: 100 engine sessions ended normally, by an exception, by
SIGINT and by SIGTERM, then real `dockwise verify` processes interrupted at different moments."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from dockwise.engine.session import EngineSession, Interrupted, leftovers
from tests.engine.conftest import BaseImages, Engine

pytestmark = pytest.mark.engine

SESSIONS = 100


def test_a_hundred_sessions_leave_nothing_behind(engine: Engine, base_images: BaseImages) -> None:
    outcomes: dict[str, int] = {}
    handler = signal.getsignal(signal.SIGTERM)
    for number in range(SESSIONS):
        ending = ("normal", "exception", "sigint", "sigterm")[number % 4]
        session = EngineSession(engine.client)
        try:
            with session:
                network = session.network()
                if number % 10 == 0:
                    engine.client.volumes.create(f"dockwise-verify-{session.run_id}", labels=session.labels)
                container = session.create(base_images.busybox, command=["sleep", "30"], network=network)
                container.start()
                if ending == "exception":
                    raise RuntimeError("a probe failed unexpectedly")
                if ending == "sigint":
                    os.kill(os.getpid(), signal.SIGINT)
                    time.sleep(5)  # the signal arrives before this ends
                if ending == "sigterm":
                    os.kill(os.getpid(), signal.SIGTERM)
                    time.sleep(5)
        except RuntimeError:
            pass
        except Interrupted:
            assert ending == "sigterm"
        except KeyboardInterrupt:
            assert ending == "sigint"
        outcomes[ending] = outcomes.get(ending, 0) + 1
        assert leftovers(engine.client, session.run_id) == [], f"run {number} ({ending})"
    assert outcomes == {"normal": 25, "exception": 25, "sigint": 25, "sigterm": 25}
    assert signal.getsignal(signal.SIGTERM) == handler, "the session's SIGTERM handler is gone again"


@pytest.mark.parametrize(
    ("delay", "number"),
    [
        (0.3, signal.SIGINT),
        (1.5, signal.SIGINT),
        (3.0, signal.SIGTERM),
        (4.5, signal.SIGINT),
        (6.0, signal.SIGTERM),
    ],
)
def test_an_interrupted_verify_process_cleans_up(
    engine: Engine, base_images: BaseImages, tmp_path: Path, delay: float, number: int
) -> None:
    """A shell-form CMD makes each run long (the stop waits out the grace period, then --init is tried),
    so the signal lands in the build, the hardened run, the stop or the --init run."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        f"FROM {base_images.busybox}\nUSER 10001\nLABEL run={uuid.uuid4().hex}\nCMD sleep 1000\n"
    )
    before = set(leftovers(engine.client))
    process = subprocess.Popen(
        [sys.executable, "-m", "dockwise", "verify", str(folder), "--stop-timeout", "3", "--no-rebuild"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)
    process.send_signal(number)
    _, errors = process.communicate(timeout=120)
    assert process.returncode in (130, 1, 0), errors
    if process.returncode == 130:
        assert "dockwise: interrupted" in errors
    assert "Traceback" not in errors
    assert set(leftovers(engine.client)) - before == set()
