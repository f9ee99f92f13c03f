"""`dockwise verify --learn` on a real engine, with small images that start the way common official images
do: each learned capability set is asserted exactly (so it is minimal), and the learned profile, written
into a Compose service through `fix --harden`, starts where the blind `fix --harden` profile does not."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dockwise.cli import main
from dockwise.engine.observe import Observation, observe
from dockwise.engine.session import EngineSession, leftovers
from dockwise.fix.harden import harden_compose, learned_settings
from dockwise.runspec.compose import load_compose
from dockwise.verify.learn import Learned, learn
from dockwise.verify.profile import Profile, container_options, from_runspec
from dockwise.verify.run import VerifyOptions
from tests.engine.conftest import BUSYBOX_IMAGE, DEBIAN_IMAGE, Engine

pytestmark = pytest.mark.engine

STARTUP = 5.0
RUNS_FOREVER = "trap 'exit 0' TERM\nwhile true; do sleep 1 & wait $!; done\n"
TIMINGS: dict[str, tuple[float, int]] = {}
"""Per image: seconds the learning took, containers it ran (printed with -s)."""


Build = Callable[[str, str, dict[str, str]], str]


@pytest.fixture
def build(engine: Engine, tmp_path: Path) -> Iterator[Build]:
    """Builds a test image tagged for this branch; removes it afterwards."""
    tags: list[str] = []

    def make(name: str, dockerfile: str, files: dict[str, str]) -> str:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "Dockerfile").write_text(dockerfile)
        for file_name, text in files.items():
            (folder / file_name).write_text(text)
        tag = f"dockwise-test/learn-{name}:{uuid.uuid4().hex[:8]}"
        engine.build(folder, tag)
        tags.append(tag)
        return tag

    yield make
    for tag in tags:
        engine.remove_image(tag)


def _learn(engine: Engine, image: str, name: str) -> Learned:
    started = time.perf_counter()
    learned = learn(VerifyOptions(image=image, startup_timeout=STARTUP), engine.client)
    TIMINGS[name] = (round(time.perf_counter() - started, 1), learned.runs)
    assert leftovers(engine.client, learned.run_id) == []
    return learned


def _run_service(engine: Engine, compose: Path, image: str) -> Observation:
    """The service as the Compose file says, run once (as `verify --compose` would)."""
    spec = load_compose([compose], validate=False).services["app"]
    profile = from_runspec(spec, Profile())
    with EngineSession(engine.client) as session:
        options = container_options(profile, session.network(), session.labels)
        observation = observe(session, image, options, 0, False, STARTUP, False)
        run_id = session.run_id
    assert leftovers(engine.client, run_id) == []
    return observation


def _blind_and_learned(
    engine: Engine, tmp_path: Path, image: str, learned: Learned
) -> tuple[Observation, Observation, str]:
    """The service hardened blind by `fix --harden` and with the learned profile, each run once; and the
    learned file's text."""
    text = f"services:\n  app:\n    image: {image}\n"
    blind = tmp_path / "blind.yaml"
    blind.write_text(harden_compose(text).text)
    measured = tmp_path / "learned.yaml"
    written = harden_compose(text, measured={"app": learned_settings(learned.to_json())}).text
    measured.write_text(written)
    return _run_service(engine, blind, image), _run_service(engine, measured, image), written


def test_chown_then_switch_user_needs_exactly_chown_setuid_setgid(
    engine: Engine, build: Build, tmp_path: Path
) -> None:
    """Like postgres: as root, chown the data directory (a VOLUME), then drop to its own user."""
    image = build(
        "chown",
        f"FROM {BUSYBOX_IMAGE}\n"
        "RUN echo 'db:x:999:999::/data:/bin/sh' >> /etc/passwd && echo 'db:x:999:' >> /etc/group "
        "&& mkdir /data\nCOPY start.sh serve.sh /\nVOLUME /data\n"
        'CMD ["sh", "/start.sh"]\n',
        {
            "start.sh": "set -e\nchown -R db:db /data\nexec su db -s /bin/sh -c 'sh /serve.sh'\n",
            "serve.sh": f"echo ready > /data/state\n{RUNS_FOREVER}",
        },
    )
    learned = _learn(engine, image, "chown")
    assert learned.works, learned.reasons
    assert learned.confirmed, learned.reasons
    assert learned.cap_add == ["CHOWN", "SETGID", "SETUID"]
    assert learned.user is None, "it needs root to start: the image's own user is kept"
    assert learned.read_only
    assert learned.no_new_privileges
    assert learned.volumes == ["/data"]
    assert learned.tmpfs == ["/tmp"]  # never seen in docker diff, always given (see with_scratch)
    assert learned.memory == 64 * 1024 * 1024, "a shell's few MiB, raised to the 64 MiB minimum"
    assert learned.pids == 32, "a few processes, raised to the minimum of 32"
    assert "did not start without each of them" in learned.reasons["cap_add"]
    blind, measured, written = _blind_and_learned(engine, tmp_path, image, learned)
    assert not blind.works
    assert "Operation not permitted" in blind.logs
    assert measured.works, measured.logs
    assert measured.exit_code is None, "still running"
    assert "cap_add: [CHOWN, SETGID, SETUID]  # dockwise: measured" in written


def test_a_binary_with_a_file_capability_needs_exactly_net_bind_service(
    engine: Engine, build: Build, tmp_path: Path
) -> None:
    """A non-root server given cap_net_bind_service as a file capability (setcap) to bind port 80: with
    every capability dropped the kernel refuses to execute it."""
    image = build(
        "bind",
        f"FROM {BUSYBOX_IMAGE} AS busybox\nFROM {DEBIAN_IMAGE}\n"
        "RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends libcap2-bin >/dev/null "
        "&& rm -rf /var/lib/apt/lists/*\n"
        "COPY --from=busybox /bin/busybox /usr/local/bin/busybox\n"
        "RUN setcap cap_net_bind_service=+ep /usr/local/bin/busybox\n"
        'USER 65534:65534\nCMD ["/usr/local/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/"]\n',
        {},
    )
    learned = _learn(engine, image, "bind")
    assert learned.works, learned.reasons
    assert learned.confirmed, learned.reasons
    assert learned.cap_add == ["NET_BIND_SERVICE"]
    assert learned.user is None
    assert "USER 65534:65534" in learned.reasons["user"]
    assert learned.read_only
    assert learned.no_new_privileges
    assert [mount.path for mount in learned.mounts] == ["/tmp"]  # scratch only (with_scratch)
    blind, measured, written = _blind_and_learned(engine, tmp_path, image, learned)
    assert not blind.works
    assert "Operation not permitted" in blind.logs, "the kernel refuses to execute it"
    assert measured.works, measured.logs
    assert measured.exit_code is None, "still running"
    assert measured.listening is None or 80 in measured.listening
    assert "cap_add: [NET_BIND_SERVICE]  # dockwise: measured" in written


def test_a_pid_file_in_var_run_needs_a_tmpfs_and_no_capability(
    engine: Engine, build: Build, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A daemon that writes its PID file to /var/run: read-only needs a tmpfs there; it needs no
    capability, but as nobody it cannot write there (the tmpfs takes the image's root-owned directory's
    mode), so it stays root, without capabilities. Through the commands a user types: `verify --learn
    --compose --service --format json`, then `fix --harden --profile`."""
    image = build(
        "pidfile",
        f'FROM {BUSYBOX_IMAGE}\nRUN mkdir -p /var/run\nCOPY start.sh /start.sh\nCMD ["sh", "/start.sh"]\n',
        {"start.sh": f"set -e\necho $$ > /var/run/daemon.pid\n{RUNS_FOREVER}"},
    )
    text = f"services:\n  app:\n    image: {image}\n"
    blind = tmp_path / "blind" / "compose.yaml"
    blind.parent.mkdir()
    blind.write_text(text)
    assert main(["fix", "--harden", str(blind)]) == 0
    compose = tmp_path / "compose.yaml"
    compose.write_text(text)
    capsys.readouterr()
    arguments = ["--compose", str(compose), "--service", "app", "--startup-timeout", str(STARTUP)]
    profile = tmp_path / "learned.json"
    assert main(["verify", "--learn", *arguments, "--save-profile", str(profile)]) == 0
    shown = capsys.readouterr().out  # the text, from the same learning as the file
    learned = json.loads(profile.read_text())
    assert f"{learned['runs']} runs in" in shown
    assert "/var/run" in shown
    TIMINGS["pidfile"] = (learned["seconds"], learned["runs"])
    assert leftovers(engine.client, learned["run_id"]) == []
    assert learned["confirmed"], learned["reasons"]
    assert learned["cap_add"] == []
    assert learned["tmpfs"] == ["/tmp", "/var/run"]
    assert learned["volumes"] == []
    assert learned["user"] is None
    assert "Permission denied" in learned["reasons"]["user"]
    assert main(["fix", "--harden", "--profile", str(profile), str(compose)]) == 0
    written = compose.read_text()
    assert "tmpfs: [/tmp, /var/run]  # dockwise: measured" in written
    blind_run, measured = _run_service(engine, blind, image), _run_service(engine, compose, image)
    assert not blind_run.works
    assert "Read-only file system" in blind_run.logs
    assert measured.works, measured.logs
    assert measured.exit_code is None, "still running"
    print(f"learn (seconds, runs): {TIMINGS}")


def test_ctrl_c_during_the_parallel_trials_leaves_nothing_behind(
    engine: Engine, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT while several trial containers run at once: each run removes its container, the session
    the rest (network, volumes), and nothing carrying its label is left."""
    import dockwise.verify.learn as learn_module

    image = build(
        "interrupted",
        f"FROM {BUSYBOX_IMAGE}\nRUN mkdir /data\nVOLUME /data\nCOPY start.sh /start.sh\n"
        'CMD ["sh", "/start.sh"]\n',
        {"start.sh": f"chown 1:1 /data || exit 1\n{RUNS_FOREVER}"},
    )
    sessions: list[EngineSession] = []

    class Recorded(EngineSession):
        def __enter__(self) -> EngineSession:
            sessions.append(self)
            return super().__enter__()

    monkeypatch.setattr(learn_module, "EngineSession", Recorded)

    def progress(message: str) -> None:
        if message.startswith("hardened runs"):  # the trials start right after this
            threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()

    with pytest.raises(KeyboardInterrupt):
        learn(VerifyOptions(image=image, startup_timeout=STARTUP, progress=progress), engine.client)
    assert len(sessions) == 1
    assert leftovers(engine.client, sessions[0].run_id) == []
    assert engine.client.containers.list(all=True, filters={"ancestor": image}) == []
