"""`fix --harden` inserts the lines it adds and changes no line of the file it does not add to.

Each `harden_cases/NAME.yaml` is hardened into exactly `NAME.hardened.yaml` (byte for byte; regenerate
with DOCKWISE_UPDATE_SNAPSHOTS=1 and read the diff). The diff of every case is additions only, but for
the documented in-line insertions (`compose_edit`): items inserted into a flow sequence, a one-item
scalar wrapped into one, a value after an empty key's colon, a newline after a last line that had none.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from dockwise.cli import main
from dockwise.fix import compose_edit
from dockwise.fix.harden import harden_compose
from dockwise.runspec.compose import ComposeError, load_compose_text
from tests.conftest import require_shared

CASES = Path(__file__).parent / "harden_cases"
INPUTS = sorted(path for path in CASES.glob("*.yaml") if not path.name.endswith(".hardened.yaml"))
#: The cases whose diff holds no changed line at all, only added ones.
ADDITIONS_ONLY = {"anchors", "comments", "indentation", "long_strings"}


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    """Each existing line the edit changed, with what it became; a line that is not the old one with
    characters inserted (or a newline added at the end of the file) fails the test."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    changed = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in {"equal", "insert"}:
            continue
        assert tag == "replace", f"lines removed: {old[i1:i2]}"
        for line in old[i1:i2]:
            became = [candidate for candidate in new[j1:j2] if _inserted_into(line, candidate)]
            assert became, f"{line!r} was changed, not added to"
            changed.append((line, became[0]))
    return changed


def _inserted_into(line: str, candidate: str) -> bool:
    """Whether `candidate` is `line` with characters inserted (a subsequence check)."""
    rest = iter(candidate)
    return all(char in rest for char in line)


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("case", INPUTS, ids=lambda path: path.stem)
def test_each_case_gets_exactly_the_expected_lines_and_settles(case: Path) -> None:
    text = read(case)
    result = harden_compose(text)
    expected = case.with_name(f"{case.stem}.hardened.yaml")
    if os.environ.get("DOCKWISE_UPDATE_SNAPSHOTS"):
        expected.write_bytes(result.text.encode("utf-8"))
    assert result.text == read(expected)
    changed = changed_lines(text, result.text)
    if case.stem in ADDITIONS_ONLY:
        assert changed == []
    else:
        assert changed, "this case is here for its in-line insertions"
    assert harden_compose(result.text).text == result.text, "a second run changes nothing"


def test_in_line_insertions_are_the_documented_ones() -> None:
    flow = read(CASES / "flow.yaml")
    assert changed_lines(flow, harden_compose(flow).text) == [
        ("    cap_drop: [ NET_RAW ]\n", "    cap_drop: [ NET_RAW, ALL ]\n"),
        ("    security_opt: []\n", "    security_opt: [no-new-privileges:true]\n"),
        ('    tmpfs: "/var/cache/nginx"\n', '    tmpfs: ["/var/cache/nginx", /tmp, /var/run]\n'),
        ("      SYS_ADMIN,\n", "      SYS_ADMIN, ALL,\n"),
    ]
    deploy = read(CASES / "deploy.yaml")
    assert changed_lines(deploy, harden_compose(deploy).text) == [
        ("    cap_drop:\n", "    cap_drop: [ALL]\n"),
        ("    tmpfs: /run\n", "    tmpfs: [/run, /tmp]\n"),
        (
            "    cap_add: [SYS_NICE]\n",
            "    cap_add: [SYS_NICE, CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID]\n",
        ),
    ]
    last = '      - "127.0.0.1:8000:8000"'
    no_newline = read(CASES / "no_final_newline.yaml")
    hardened = harden_compose(no_newline).text
    assert changed_lines(no_newline, hardened) == [(last, last + "\n")]
    assert not hardened.endswith("\n"), "the file keeps having no final newline"


FROM_MERGE = (
    "`cap_drop` comes from a merge key (<<), and a key written in the service would replace the merged "
    "value, not add to it: add it where the merged mapping is written"
)


def test_what_cannot_take_lines_is_left_alone_and_said_why() -> None:
    anchors = harden_compose(read(CASES / "anchors.yaml"))
    assert anchors.skipped == (
        "api: not hardened: the service is shared through the anchor &api: adding to it changes what uses it",
        f"mailer: not added: cap_drop += ALL: {FROM_MERGE}",
        "copy: not hardened: the service is an alias of a mapping written elsewhere, which adding to it "
        "would change too",
        f"db: not added: cap_drop += ALL: {FROM_MERGE}",
        "db: not added: cap_add: [CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID] (the postgres image's "
        "entrypoint needs them): it goes with cap_drop += ALL, which could not be added",
    )
    assert "scheduler: cap_drop: [ALL]" in anchors.changes, "it merges &api and gets lines of its own"
    flow = harden_compose(read(CASES / "flow.yaml"))
    assert flow.skipped[0].startswith("metrics: not hardened: the service is written as a flow mapping")
    assert flow.skipped[1:] == tuple(
        f"exporter: not added: deploy.resources.limits.{key}: `deploy` is written as a flow mapping "
        "({...}) or is not a mapping: it takes no lines"
        for key in ("memory: 512m", "pids: 200")
    )


def test_a_read_only_root_is_not_added_without_its_tmpfs() -> None:
    result = harden_compose("services:\n  app:\n    image: shop/app:1\n    tmpfs: ~\n")
    assert "read_only" not in result.text
    assert result.skipped == (
        "app: not added: read_only: true: it goes with tmpfs: [/tmp], which could not be added",
        "app: not added: tmpfs: [/tmp]: `tmpfs` is written in a form --harden does not add to (null, a "
        "block scalar, a tag)",
    )
    assert "app: init: true" in result.changes


def test_crlf_line_endings_are_kept() -> None:
    text = read(CASES / "comments.yaml").replace("\n", "\r\n")
    result = harden_compose(text)
    assert result.text == read(CASES / "comments.hardened.yaml").replace("\n", "\r\n")
    assert "\n" not in result.text.replace("\r\n", "")


def test_more_than_one_document_is_refused_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "services:\n  a:\n    image: x\n---\nservices:\n  b:\n    image: y\n"
    with pytest.raises(ComposeError, match="line 4: a second YAML document: a Compose file is one document"):
        harden_compose(text)
    path = tmp_path / "compose.yaml"
    path.write_text(text)
    assert main(["fix", "--harden", str(path)]) == 2
    assert f"{path}: cannot harden: line 4: a second YAML document" in capsys.readouterr().err
    assert path.read_text() == text


def test_a_service_whose_lines_would_not_reload_as_meant_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The writer's output is loaded again and compared with the services plus their additions: a writer
    that got a value wrong (here every boolean written as a string) is caught, and that service is left
    as it was."""
    scalar = compose_edit._scalar
    monkeypatch.setattr(compose_edit, "_scalar", lambda v: '"yes"' if v is True else scalar(v))
    text = "services:\n  app:\n    image: shop/app:1\n  db:\n    image: shop/db:1\n    read_only: false\n"
    text += "    init: true\n"  # db gets no boolean, so its lines load as meant
    result = harden_compose(text)
    assert result.skipped == ("app: not hardened: with its lines in, it would not load as itself plus them",)
    assert result.text.startswith("services:\n  app:\n    image: shop/app:1\n  db:\n"), "app has no lines"
    assert "db: cap_drop: [ALL]" in result.changes


def test_a_block_scalar_ending_a_file_without_a_newline_keeps_its_value() -> None:
    """Lines after `|` at the very end give its value the final newline it did not have: that service
    is left alone (found by re-loading the result), the others are hardened."""
    text = (
        "services:\n  web:\n    image: shop/web:1\n  job:\n    image: shop/job:1\n    command: |\n      run"
    )
    result = harden_compose(text)
    assert result.skipped == ("job: not hardened: with its lines in, it would not load as itself plus them",)
    assert result.text.endswith("    command: |\n      run")
    assert "web: init: true" in result.changes


def test_an_edit_that_changes_the_rest_of_the_file_is_not_written(monkeypatch: pytest.MonkeyPatch) -> None:
    result = compose_edit._Writer.result
    monkeypatch.setattr(compose_edit._Writer, "result", lambda self: result(self) + "volumes:\n  extra: {}\n")
    with pytest.raises(ComposeError, match=r"^`volumes` would change, so nothing was written: add the hard"):
        harden_compose("services:\n  app:\n    image: shop/app:1\n")


def test_the_reloaded_services_are_the_old_ones_plus_the_additions() -> None:
    text = read(CASES / "deploy.yaml")
    before = load_compose_text(text, "deploy.yaml", {})["services"]
    after = load_compose_text(harden_compose(text).text, "deploy.yaml", {})["services"]
    assert after["cache"]["tmpfs"] == ["/run", "/tmp"]
    assert after["cache"]["deploy"]["resources"]["limits"] == {"cpus": "0.50", "memory": "512m", "pids": 200}
    assert (
        after["search"]["deploy"]["resources"]["reservations"]
        == before["search"]["deploy"]["resources"]["reservations"]
    )
    assert after["mq"]["cap_add"] == ["CHOWN", "SYS_NICE", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"]
    assert {key: value for key, value in after["api"].items() if key in before["api"]} == {
        **before["api"],
        "deploy": {**before["api"]["deploy"], "resources": {"limits": {"memory": "512m", "pids": 200}}},
    }


def test_cli_warns_about_what_it_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "compose.yaml"
    shutil.copy(CASES / "flow.yaml", path)
    assert main(["fix", "--harden", str(path)]) == 0
    err = capsys.readouterr().err
    assert (
        f"dockwise: warning: {path}: metrics: not hardened: the service is written as a flow mapping" in err
    )
    assert f"Fixed {path}: harden" in err
    assert read(path) == read(CASES / "flow.hardened.yaml")


def test_every_corpus_compose_file_gets_additions_only_or_a_stated_reason() -> None:
    """Over the 874 corpus Compose files: each one is hardened with added lines only (but the documented
    in-line insertions), re-loads as meant (harden_compose checks that itself) and settles; or it is
    refused, or some of its services left alone, with a reason."""
    folder = require_shared("corpus/compose")
    counts = dict.fromkeys(("changed", "in-line", "unchanged", "refused", "with reasons"), 0)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = read(path)
        try:
            result = harden_compose(text)
        except ComposeError as error:
            assert str(error), path
            counts["refused"] += 1
            continue
        counts["with reasons"] += bool(result.skipped)
        assert all(": not " in reason for reason in result.skipped), path
        if result.text == text:
            counts["unchanged"] += 1
            continue
        counts["changed"] += 1
        counts["in-line"] += bool(changed_lines(text, result.text))
        assert harden_compose(result.text).text == result.text, path
    # On 7 December 2026: 848 changed, 26 unchanged (nothing to add), none refused; 2 with a service left
    # alone (flow mappings); 34 with an in-line insertion: 33 a last line without a newline, 1 `tmpfs: /run1`.
    assert counts["changed"] >= 840, counts
    assert counts["refused"] == 0, counts
    assert counts["in-line"] <= 40, counts
    assert counts["with reasons"] <= 5, counts


def test_measured_settings_go_in_first_and_the_guesses_fill_only_the_rest() -> None:
    """A `verify --learn` profile's settings (dotted key -> value, how it was measured) are added by the
    same writer, before the baseline, which then guesses nothing they set (no 512m over a measured 96m)."""
    how = "dockwise: measured by verify --learn"
    measured = {
        "db": {
            "cap_drop": (["ALL"], how),
            "cap_add": (["CHOWN", "SETUID", "SETGID"], f"{how}: the entrypoint chowns"),
            "read_only": (True, how),
            "deploy.resources.limits.memory": ("96m", f"{how}: peak 64m plus half"),
        }
    }
    text = "services:\n  db:\n    image: postgres:16\n    volumes: [pg:/var/lib/postgresql/data]\n"
    text += "    init: false\n"
    result = harden_compose(text, measured=measured)
    assert result.text == text + (
        f"    cap_drop: [ALL]  # {how}\n"
        f"    cap_add: [CHOWN, SETUID, SETGID]  # {how}: the entrypoint chowns\n"
        f"    read_only: true  # {how}\n"
        "    deploy:\n      resources:\n        limits:\n"
        f"          memory: 96m  # {how}: peak 64m plus half\n"
        "          pids: 200  # dockwise: a default, not measured; see dockwise verify\n"
        "    security_opt: [no-new-privileges:true]\n"
    ), "the measured read-only root comes without the guessed tmpfs"
    assert result.changes[:2] == (
        "db: cap_drop: [ALL] (measured)",
        "db: cap_add: [CHOWN, SETUID, SETGID] (measured)",
    )
    assert harden_compose(result.text, measured=measured).text == result.text


def test_cli_diff_shows_additions_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "compose.yaml"
    path.write_bytes(read(CASES / "comments.yaml").replace("\n", "\r\n").encode())
    assert main(["fix", "--harden", "--diff", str(path)]) == 1
    diff = capsys.readouterr().out.splitlines()
    assert [line for line in diff if line.startswith("-")] == [f"--- {path}"]
    assert sum(line.startswith("+") for line in diff) == 1 + 31, "the +++ line and the 31 added lines"
