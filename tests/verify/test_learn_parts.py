"""The parts of `dockwise verify --learn` that need no engine: the capability search, the mounts made of
`docker diff`, the limits' headroom, and the learned profile written by `fix --harden --profile`."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from dockwise.cli import main
from dockwise.engine.observe import Observation
from dockwise.fix.harden import harden_compose, learned_settings
from dockwise.verify.learn import (
    DEFAULT_CAPABILITIES,
    Learned,
    Mount,
    memory_limit,
    minimal,
    mounts,
    pids_limit,
    render_text,
    size_text,
    with_scratch,
)
from dockwise.verify.profile import Profile

MIB = 1024 * 1024


def _search(needed: set[str]) -> tuple[list[str], int]:
    """minimal() against a service that starts when it has every capability of `needed`."""
    tried: list[frozenset[str]] = []

    def works(caps: Sequence[str]) -> bool:
        tried.append(frozenset(caps))
        return needed <= set(caps)

    found = minimal(works, list(DEFAULT_CAPABILITIES), [])
    return sorted(found), len(set(tried))


@pytest.mark.parametrize(
    "needed",
    [
        set(),
        {"NET_BIND_SERVICE"},
        {"CHOWN", "SETGID", "SETUID"},
        {"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"},
        {"AUDIT_WRITE", "CHOWN"},
        set(DEFAULT_CAPABILITIES),
    ],
)
def test_the_search_finds_exactly_the_needed_capabilities(needed: set[str]) -> None:
    found, _ = _search(needed)
    assert found == sorted(needed)


@pytest.mark.parametrize(
    ("needed", "most"),
    [
        (set(), 1),
        ({"NET_RAW"}, 8),  # about 2 log2(14)
        ({"CHOWN", "SETGID", "SETUID"}, 9),  # in the same half: fewer than one run per capability
        ({"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"}, 11),
    ],
)
def test_the_search_takes_fewer_runs_than_leaving_each_capability_out(needed: set[str], most: int) -> None:
    _, runs = _search(needed)
    assert runs <= most < len(DEFAULT_CAPABILITIES)


def test_the_search_asks_for_the_halves_before_trying_them() -> None:
    asked: list[list[frozenset[str]]] = []
    minimal(
        lambda caps: "KILL" in caps,
        list(DEFAULT_CAPABILITIES),
        [],
        lambda sets: asked.append([frozenset(s) for s in sets]),
    )
    half = len(DEFAULT_CAPABILITIES) // 2
    assert asked[0] == [
        frozenset(),
        frozenset(DEFAULT_CAPABILITIES[:half]),
        frozenset(DEFAULT_CAPABILITIES[half:]),
    ]


def test_runtime_directories_become_tmpfs_and_data_becomes_a_volume() -> None:
    written = [
        "/run", "/run/app.pid", "/srv", "/srv/state", "/srv/state/db.sqlite", "/home", "/home/app",
        "/home/app/.cache", "/home/app/.cache/pip", "/home/app/.cache/pip/x", "/etc", "/etc/app.conf",
    ]  # fmt: skip
    added = [
        "/run/app.pid",
        "/srv/state",
        "/srv/state/db.sqlite",
        "/home/app/.cache/pip",
        "/home/app/.cache/pip/x",
    ]
    found = {m.path: m.kind for m in mounts(written, added, {"/var/lib/data": {}})}
    assert found == {
        "/run": "tmpfs",
        "/home/app/.cache": "tmpfs",
        "/srv/state": "volume",  # a directory it created, with its data
        "/etc/app.conf": "changed",  # a file of the image it rewrites: no mount fits
        "/var/lib/data": "volume",  # the image's VOLUME
    }


@pytest.mark.parametrize(
    ("written", "added", "expected"),
    [
        ([], [], []),
        (["/state", "/state/x"], ["/state", "/state/x"], [("/state", "volume")]),
        (["/srv", "/srv/a.db"], ["/srv/a.db"], [("/srv", "volume")]),  # a file it created: its directory
        (["/data"], [], [("/data", "volume")]),  # chowned at the start, as postgres's entrypoint does
        (["/var", "/var/log", "/var/log/app.log"], ["/var/log/app.log"], [("/var/log", "tmpfs")]),
        (["/var", "/var/cache", "/var/cache/nginx", "/var/cache/nginx/x"], ["/var/cache/nginx/x"],
         [("/var/cache/nginx", "tmpfs")]),  # the image's directory it writes into
        # `npm start` as root: its debug log and update check under ~/.npm, which the image has
        (["/root", "/root/.npm", "/root/.npm/_logs", "/root/.npm/_logs/1-debug-0.log",
          "/root/.npm/_update-notifier-last-checked"],
         ["/root/.npm/_logs", "/root/.npm/_logs/1-debug-0.log"], [("/root/.npm", "tmpfs")]),
    ],
)  # fmt: skip
def test_where_it_writes_becomes_which_mount(
    written: list[str], added: list[str], expected: list[tuple[str, str]]
) -> None:
    assert [(m.path, m.kind) for m in mounts(written, added, {})] == expected


def test_writes_under_an_image_volume_do_not_add_a_mount() -> None:
    found = mounts(["/data", "/data/sub", "/data/sub/x"], ["/data/sub", "/data/sub/x"], ["/data"])
    assert [(m.path, m.kind) for m in found] == [("/data", "volume")]
    assert "VOLUME" in found[0].reason


def test_limits_have_the_stated_headroom() -> None:
    assert memory_limit(4 * MIB) == 64 * MIB, "at least 64 MiB"
    assert memory_limit(41 * MIB) == 96 * MIB, "82 MiB rounded up to a multiple of 32"
    assert memory_limit(64 * MIB) == 128 * MIB
    assert pids_limit(2) == 32
    assert pids_limit(100) == 150
    assert pids_limit(101) == 152
    assert size_text(96 * MIB) == "96m"
    assert size_text(2048 * MIB) == "2g"


def _learned(**changes: object) -> Learned:
    learned = Learned(
        subject="compose.yaml service db",
        image="db:1",
        works=True,
        confirmed=True,
        cap_add=["CHOWN", "SETGID", "SETUID"],
        mounts=[Mount("/data", "volume", "the image declares it a VOLUME: its data")],
        memory=96 * MIB,
        pids=32,
        reasons={
            "cap_add": "CHOWN, SETGID, SETUID: it did not start without each of them (12 runs)",
            "memory": "96m: peak 41.0 MiB over 7 runs that worked; rule: peak x 2",
        },
        compose="compose.yaml",
        service="db",
    )
    for name, value in changes.items():
        setattr(learned, name, value)
    return learned


def test_the_text_says_how_each_value_was_measured_and_gives_the_flags() -> None:
    text = render_text(_learned())
    assert "CHOWN, SETGID, SETUID: it did not start without each of them (12 runs)" in text
    assert "96m: peak 41.0 MiB" in text
    assert (
        "docker run --cap-drop=ALL --cap-add=CHOWN --cap-add=SETGID --cap-add=SETUID "
        "--security-opt=no-new-privileges:true --read-only --volume=/data --memory=96m --memory-swap=96m "
        "--pids-limit=32 db:1"
    ) in text
    assert "confirmed by a run with exactly this profile" in text


def test_an_image_that_does_not_work_unhardened_learns_nothing() -> None:
    learned = Learned(subject="x", reasons={"works": "it does not work even unhardened: exit 1"})
    assert "it does not work even unhardened: exit 1" in render_text(learned)
    assert "nothing learned" in render_text(learned)


def test_learned_values_win_over_the_guesses_and_are_marked_measured() -> None:
    text = "services:\n  db:\n    image: postgres:16\n  cache:\n    image: redis:7\n"
    hardened = harden_compose(text, measured={"db": learned_settings(_learned(cap_add=[]).to_json())}).text
    db = hardened.split("  cache:")[0]
    assert "cap_add" not in db, "measured: it needs none, so the table's guess for postgres is not added"
    assert "memory: 96m  # dockwise: measured by verify --learn: peak 41.0 MiB" in db
    assert "pids: 32  # dockwise: measured" in db
    assert "volumes: [/data]" in db
    assert "a default, not measured" not in db
    cache = hardened.split("  cache:")[1]
    assert "a default, not measured" in cache, "the other service still gets the guesses"


def test_a_setting_the_file_states_is_kept_over_the_learned_one() -> None:
    text = "services:\n  db:\n    image: db:1\n    cap_add: [NET_ADMIN]\n"
    hardened = harden_compose(text, measured={"db": learned_settings(_learned().to_json())})
    assert "cap_add: [NET_ADMIN]\n" in hardened.text
    assert not any("cap_add" in change for change in hardened.changes)


def test_fix_harden_profile_writes_the_learned_service(tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: db:1\n")
    profile = tmp_path / "learned.json"
    profile.write_text(json.dumps(_learned(compose=str(compose)).to_json()))
    assert main(["fix", "--harden", "--profile", str(profile), str(compose)]) == 0
    written = compose.read_text()
    assert "cap_add: [CHOWN, SETGID, SETUID]  # dockwise: measured by verify --learn" in written


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "--profile"),
        ('{"a": 1}', "not a profile"),
        (json.dumps({**_learned(service=None).to_json()}), "names no Compose service"),
        (json.dumps({**_learned(confirmed=False).to_json()}), "not confirmed"),
    ],
)
def test_a_bad_profile_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: str, message: str
) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: db:1\n")
    profile = tmp_path / "learned.json"
    profile.write_text(document)
    assert main(["fix", "--harden", "--profile", str(profile), str(compose)]) == 2
    assert message in capsys.readouterr().err
    assert compose.read_text() == "services:\n  db:\n    image: db:1\n"


def test_a_profile_learned_from_another_file_is_an_error_not_a_silent_no_op(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: db:1\n")
    profile = tmp_path / "learned.json"
    profile.write_text(json.dumps(_learned(compose=str(tmp_path / "elsewhere.yaml")).to_json()))
    assert main(["fix", "--harden", "--profile", str(profile), "--diff", str(compose)]) == 2
    assert "which is not among the files found" in capsys.readouterr().err


def test_profile_goes_with_harden(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    assert main(["fix", "--profile", str(tmp_path / "p.json"), str(tmp_path)]) == 2
    assert "--profile goes with --harden" in capsys.readouterr().err


def test_learn_does_not_go_with_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--learn", "--compare", "a", "b"]) == 2
    assert "does not go with --compare" in capsys.readouterr().err


def test_a_compose_services_volumes_get_fresh_labelled_volumes_in_its_runs(tmp_path: Path) -> None:
    """verify and learn run a service with a volume of its own where it names one (a bind mount of a
    host path is not reproduced), so a read-only service's data directory is writable as in Compose."""
    from dockwise.runspec.compose import load_compose
    from dockwise.verify.profile import Profile, container_options, from_runspec

    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n  db:\n    image: db:1\n    read_only: true\n"
        "    volumes: [data:/var/lib/db, ./conf:/etc/db, /scratch]\nvolumes:\n  data: {}\n"
    )
    profile = from_runspec(load_compose([compose]).services["db"], Profile())
    assert profile.volumes == ("/var/lib/db", "/scratch")
    mounts = container_options(profile, None, {"dockwise.verify": "abc"})["mounts"]
    assert [(m["Target"], m["Type"], m["VolumeOptions"]["Labels"]) for m in mounts] == [
        ("/var/lib/db", "volume", {"dockwise.verify": "abc"}),
        ("/scratch", "volume", {"dockwise.verify": "abc"}),
    ]


def _fake_learn(image_user: str, starts: Callable[[Profile], bool], written: list[str]) -> Learned:
    """_learn against a pretend engine: `starts` says whether a run with that profile works."""
    from dockwise.verify.learn import _learn, _limits

    runs: list[Observation] = []

    def run(profile: Profile) -> Observation:
        works = starts(profile)
        observation = Observation(
            profile=profile,
            exit_code=None if works else 1,
            logs="" if works else "Operation not permitted",
            written=written if not profile.read_only else [],
            processes=[(0, 0, "app")] if works else [],
            peak_memory=10 * MIB if works else None,
            pids=3 if works else None,
        )
        runs.append(observation)
        return observation

    learned = Learned(subject="test", image_user=image_user)
    _learn(learned, Profile(user=None), {}, run, lambda _: None)
    _limits(learned, [o for o in runs if o.works])
    learned.runs = len(runs)
    return learned


def _caps(profile: Profile) -> set[str]:
    return set(DEFAULT_CAPABILITIES) if not profile.cap_drop else set(profile.cap_add)


def test_a_service_that_rewrites_a_file_of_the_image_keeps_a_writable_root() -> None:
    learned = _fake_learn("app", lambda p: not p.read_only and "CHOWN" in _caps(p), ["/etc", "/etc/app.conf"])
    assert learned.cap_add == ["CHOWN"]
    assert not learned.read_only
    assert learned.reasons["read_only"] == "not kept: it rewrites files of the image (/etc/app.conf)"
    assert learned.no_new_privileges
    assert [(m.path, m.kind) for m in learned.mounts] == [("/etc/app.conf", "changed")]
    assert "--read-only" not in learned.docker_run_flags()
    assert learned.memory == 64 * MIB
    assert learned.pids == 32
    assert learned.user is None
    assert "USER app" in learned.reasons["user"]


def test_a_root_image_that_works_as_nobody_needs_no_capability_as_nobody() -> None:
    def starts(profile: Profile) -> bool:
        return profile.user == "65534:65534" or "SETUID" in _caps(profile)

    learned = _fake_learn("", starts, [])
    assert learned.user == "65534:65534"
    assert learned.cap_add == [], "as nobody the capability it needed as root is not needed"
    assert "as root it needed SETUID" in learned.reasons["cap_add"]


def test_a_service_that_only_works_unhardened_or_not_at_all_learns_nothing() -> None:
    learned = _fake_learn("", lambda p: not p.cap_drop and not p.read_only and not p.no_new_privileges
                          and p.memory is None and p.tmpfs == (), [])  # fmt: skip
    assert not learned.works
    assert learned.reasons["works"].startswith("it works unhardened but not with cap_drop ALL plus every")
    learned = _fake_learn("", lambda p: False, [])
    assert not learned.works
    assert learned.reasons["works"].startswith("it does not work even unhardened: exit 1")


def test_save_profile_goes_with_learn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--save-profile", str(tmp_path / "p.json"), str(tmp_path)]) == 2
    assert "--save-profile goes with --learn" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ([], ["/tmp"]),
        ([Mount("/var/run", "tmpfs", "")], ["/tmp", "/var/run"]),
        ([Mount("/tmp", "volume", "")], ["/tmp"]),  # the image's own VOLUME /tmp stays a volume
    ],
)
def test_a_read_only_root_always_gets_scratch_space_on_tmp(found: list[Mount], expected: list[str]) -> None:
    assert [mount.path for mount in with_scratch(found)] == expected
