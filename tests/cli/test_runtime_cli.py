"""Compose files and docker run scripts through `dockwise check` and `lint`, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwise.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]]]:
    status = main(["check", "--isolated", "--format", "json", *argv])
    return status, json.loads(capsys.readouterr().out)["diagnostics"]


def test_check_reads_compose_files_and_scripts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  api:\n    image: x\n    privileged: true\n")
    (tmp_path / "deploy.sh").write_text("#!/bin/sh\nset -e\ndocker run -d -v /var/run/docker.sock:/s x\n")
    (tmp_path / "notes.yaml").write_text("not: compose\n")  # found by name only: a compose name is needed
    status, found = run(capsys, "--select", "DW710,DW721", str(tmp_path))
    assert status == 1
    assert sorted((Path(str(d["path"])).name, d["code"], d["line"]) for d in found) == [
        ("compose.yaml", "DW710", 4),
        ("deploy.sh", "DW721", 3),
    ]


def test_swarm_target_says_what_stack_deploy_ignores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  api:\n    image: x\n    security_opt: ['seccomp=unconfined']\n")
    _, found = run(capsys, "--select", "DW714", str(compose))
    assert found[0]["notes"] == []
    _, found = run(capsys, "--select", "DW714", "--target", "swarm", str(compose))
    assert "docker stack deploy ignores security_opt" in str(found[0]["notes"])


def test_an_unreadable_compose_file_is_a_finding_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  a:\n    image: x\n    image: y\n")
    status, found = run(capsys, str(compose))
    assert status == 1
    assert [(d["code"], d["line"]) for d in found] == [("DW700", 4)]


def test_the_override_file_beside_a_compose_file_is_merged_as_compose_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  api:\n    image: x\n    read_only: true\n")
    (tmp_path / "compose.override.yaml").write_text(
        "services:\n  api:\n    privileged: true\n    mem_limit: 1g\n"
    )
    _, found = run(capsys, "--select", "DW701,DW710,DW716", str(tmp_path))
    assert [(Path(str(d["path"])).name, d["code"], d["line"]) for d in found] == [
        ("compose.override.yaml", "DW710", 3)
    ], "read_only comes from the base, the memory limit from the override"


def test_compose_files_given_with_f_merge_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "compose.yaml"
    prod = tmp_path / "prod.yaml"
    base.write_text("services:\n  api:\n    image: x\n    read_only: true\n")
    prod.write_text("services:\n  api:\n    privileged: true\n    mem_limit: 1g\n")
    status = main(
        [
            "lint",
            "--isolated",
            "--format",
            "json",
            "--select",
            "DW701,DW710,DW716",
            "-f",
            str(base),
            "-f",
            str(prod),
        ]
    )
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    assert status == 1
    assert [(Path(str(d["path"])).name, d["code"]) for d in found] == [("prod.yaml", "DW710")]
    assert main(["lint", "--isolated", "-f", str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml: no such file" in capsys.readouterr().err
    assert main(["lint"]) == 2
    assert "give PATHs" in capsys.readouterr().err


def test_version_names_the_compose_schema(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("dockwise ")
    assert "Compose schema: compose-spec.json from check-jsonschema " in out


def found_in(capsys: pytest.CaptureFixture[str], *argv: str) -> list[tuple[str, str, int, str]]:
    _, found = run(capsys, *argv)
    return sorted(
        (Path(str(d["path"])).name, str(d["code"]), int(str(d["line"])), str(d["message"])) for d in found
    )


BASE = "services:\n  api:\n    image: x\n    cap_add: [SYS_ADMIN]\n    read_only: true\n"


def test_an_overlay_is_linted_merged_over_its_base_never_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, compose.prod.yaml was a project of its own: its service had no image, no read_only and
    no limits, and the base's findings were reported again."""
    (tmp_path / "compose.yaml").write_text(BASE)
    (tmp_path / "compose.prod.yaml").write_text("services:\n  api:\n    privileged: true\n    user: '0'\n")
    assert found_in(capsys, "--select", "DW701,DW710,DW712,DW716", str(tmp_path)) == [
        ("compose.prod.yaml", "DW710", 3, "api runs privileged: root in it is root on the host"),
        ("compose.yaml", "DW701", 2, "api has no memory limit: set one"),
        ("compose.yaml", "DW712", 4, "api adds SYS_ADMIN: close to root on the host"),
    ], "each finding once, at the file that sets (or should set) the field"
    assert found_in(capsys, "--select", "DW701,DW710,DW712,DW716", str(tmp_path / "compose.prod.yaml")) == [
        ("compose.prod.yaml", "DW710", 3, "api runs privileged: root in it is root on the host")
    ], "an overlay named alone is merged over the base beside it; the base is read, not reported on"


def test_a_setting_an_overlay_resets_is_the_overlays_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  api:\n    image: x\n    read_only: true\n    mem_limit: 1g\n"
    )
    (tmp_path / "compose.dev.yaml").write_text("services:\n  api:\n    read_only: !reset null\n")
    _, found = run(capsys, "--select", "DW701,DW716", str(tmp_path))
    assert [(Path(str(d["path"])).name, d["code"], d["notes"]) for d in found] == [
        ("compose.dev.yaml", "DW716", [])
    ], "the overlay's service, which resets read_only; the memory limit comes from the base"


def test_compose_file_in_dotenv_names_the_default_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "base.yml").write_text(BASE)
    (tmp_path / "hardening.yml").write_text(
        "services:\n  api:\n    cap_add: !reset []\n    mem_limit: 1g\n    privileged: true\n"
    )
    (tmp_path / ".env").write_text("COMPOSE_PATH_SEPARATOR=,\nCOMPOSE_FILE=base.yml,hardening.yml\n")
    (tmp_path / "compose.yaml").write_text("services:\n  other:\n    image: y\n    mem_limit: 1g\n")
    assert found_in(capsys, "--select", "DW701,DW710,DW712", str(tmp_path)) == [
        ("hardening.yml", "DW710", 5, "api runs privileged: root in it is root on the host"),
    ], "base.yml + hardening.yml is the project docker compose up loads; compose.yaml is one of its own"


def test_a_secret_the_base_sets_is_found_when_an_overlay_declares_the_service_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DW740 looked for the value in the text of the last file that declares the service."""
    (tmp_path / "compose.yaml").write_text(
        "services:\n  api:\n    image: x\n    environment:\n      API_TOKEN: s3cr3t-value-123\n"
    )
    (tmp_path / "compose.override.yaml").write_text("services:\n  api:\n    read_only: true\n")
    assert [(n, c, line) for n, c, line, _ in found_in(capsys, "--select", "DW740", str(tmp_path))] == [
        ("compose.yaml", "DW740", 5)
    ], "at the variable, in the base that sets it"


def test_an_override_file_gitignore_leaves_out_is_merged_but_not_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A developer's own compose.override.yaml, kept out of Git: `docker compose up` reads it here, so
    the project is linted with it, but its findings are not the project's."""
    (tmp_path / ".gitignore").write_text("compose.override.yaml\n")
    (tmp_path / "compose.yaml").write_text("services:\n  api:\n    image: x\n")
    (tmp_path / "compose.override.yaml").write_text("services:\n  api:\n    privileged: true\n")
    (tmp_path / "common.yml").write_text("services:\n  base:\n    image: y\n    privileged: true\n")
    (tmp_path / "compose.prod.yaml").write_text(
        "services:\n  worker:\n    extends: {file: common.yml, service: base}\n    read_only: true\n"
    )
    assert [(n, c, line) for n, c, line, _ in found_in(capsys, "--select", "DW710", str(tmp_path))] == [
        ("common.yml", "DW710", 4)
    ], "the file extends names is reported (it is under the directory searched); the override is not"
