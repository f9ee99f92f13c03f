"""What Compose and the Engine refuse, as the loaders read it: distinct limits in two places, `--restart`
values, what a project declares, and the strings Compose interpolates (kept as written)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise.runspec.compose import load_compose
from dockwise.runspec.docker_run import restart_problem, runspecs_in_script
from dockwise.runspec.interpolation import references


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def limits_service(own: str, limits: str) -> str:
    return (
        f"services:\n  a:\n    image: x\n    {own}\n    deploy:\n      resources:\n        limits: {limits}\n"
    )


@pytest.mark.parametrize(
    ("own", "limits", "refused"),
    [
        ("cpus: 2", "{cpus: '1'}", True),
        ("cpus: 0.5", "{cpus: '0.50'}", False),  # compose-go compares float32 values, not spellings
        ("cpus: 0.5", "{memory: 1G}", True),  # a limits mapping without cpus counts as 0
        ("mem_limit: 1g", "{memory: 1024M}", False),
        ("mem_limit: 1g", "{memory: 512M}", True),
        ("pids_limit: 100", "{pids: 200}", True),
        ("pids_limit: 100", "{pids: 100}", False),
        ("cpus: 0", "{memory: 1G}", False),  # only a non-zero service-level value is compared
    ],
)
def test_distinct_limits_are_refused_as_compose_go_does(
    tmp_path: Path, own: str, limits: str, refused: bool
) -> None:
    path = write(tmp_path, "compose.yaml", limits_service(own, limits))
    invalid = load_compose([path], environment={}).services["a"].invalid
    assert bool(invalid) is refused
    if refused:
        assert "Compose refuses distinct values" in invalid[0].message
        assert invalid[0].range is not None  # at the service-level key
        text = path.read_text(encoding="utf-8")
        assert text[invalid[0].range.start :].startswith(own.split(":", maxsplit=1)[0])


def test_no_deploy_limits_means_no_conflict(tmp_path: Path) -> None:
    path = write(
        tmp_path, "compose.yaml", "services:\n  a:\n    image: x\n    cpus: 2\n    deploy: {replicas: 2}\n"
    )
    assert load_compose([path], environment={}).services["a"].invalid == ()


@pytest.mark.parametrize(
    ("policy", "auto_remove", "problem"),
    [
        ("always", False, None),
        ("unless-stopped", False, None),
        ("no", True, None),
        ("on-failure:3", False, None),
        ("on-failure", False, None),
        ("allways", False, "unknown policy"),
        ("always:3", False, "only on-failure"),
        ("on-failure:x", False, "not an integer"),
        ("on-failure:-1", False, "cannot be negative"),
        (":3", False, "no policy"),
        ("always", True, "--rm"),
    ],
)
def test_restart_values_the_engine_refuses(policy: str, auto_remove: bool, problem: str | None) -> None:
    found = restart_problem(policy, auto_remove)
    assert (found is None) is (problem is None)
    if problem is not None:
        assert found is not None
        assert problem in found


def test_an_invalid_restart_leaves_the_policy_unknown() -> None:
    (spec,) = runspecs_in_script("docker run -d --restart=allways nginx:1.27\n", "run.sh")
    assert spec.restart is None
    assert [bad.field for bad in spec.invalid] == ["restart"]


def test_declared_resources_only_for_the_kinds_declared(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "compose.yaml",
        "services:\n  a:\n    image: x\nvolumes:\n  data:\n  logs: {external: true}\nsecrets: {}\n",
    )
    project = load_compose([path], environment={})
    assert project.declared == {"volumes": ("data", "logs"), "secrets": ()}
    assert project.complete


def test_a_project_that_includes_files_declares_what_they_declare(tmp_path: Path) -> None:
    """`include` is loaded (the included project's resources are imported), so the project is complete
    and a volume declared in the included file is declared."""
    write(tmp_path, "other.yaml", "services:\n  b:\n    image: y\nvolumes:\n  data: {}\n")
    path = write(tmp_path, "compose.yaml", "include: [other.yaml]\nservices:\n  a:\n    image: x\n")
    project = load_compose([path], environment={})
    assert project.complete
    assert project.declared["volumes"] == ("data",)
    assert set(project.services) == {"a", "b"}


def test_dotenv_names_are_kept_and_the_process_environment_is_not_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, ".env", "PORT=8080\n")
    path = write(tmp_path, "compose.yaml", "services:\n  a:\n    image: x\n")
    monkeypatch.setenv("DOCKWISE_TEST_ONLY_IN_SHELL", "1")
    project = load_compose([path])
    assert "PORT" in project.dotenv
    assert "DOCKWISE_TEST_ONLY_IN_SHELL" not in project.dotenv


def test_raw_strings_are_kept_as_written_with_their_keys(tmp_path: Path) -> None:
    text = (
        "services:\n  a:\n    image: app:${TAG}\n    command: serve --port $PORT\n"
        "    environment:\n      - URL=http://${HOST}/\n      - PLAIN=x\n"
        '    healthcheck:\n      test: ["CMD", "probe", "$$HOME"]\n'
    )
    path = write(tmp_path, "compose.yaml", text)
    spec = load_compose([path], environment={}).services["a"]
    raw = {(s.key, s.text) for s in spec.raw}
    assert raw == {
        (("image",), "app:${TAG}"),
        (("command",), "serve --port $PORT"),
        (("environment",), "URL=http://${HOST}/"),
        (("healthcheck", "test"), "$$HOME"),
    }
    command = next(s for s in spec.raw if s.key == ("command",))
    assert text[command.range.start : command.range.end] == "serve --port $PORT"
    assert spec.string_form == ("command",)


def test_an_overlay_replaces_the_raw_strings_of_a_key(tmp_path: Path) -> None:
    base = write(tmp_path, "compose.yaml", "services:\n  a:\n    image: x\n    command: run $A\n")
    overlay = write(tmp_path, "compose.override.yaml", "services:\n  a:\n    command: run $B\n")
    spec = load_compose([base, overlay], environment={}).services["a"]
    assert [(s.text, Path(s.path).name) for s in spec.raw] == [("run $B", "compose.override.yaml")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a $X b", [("X", "", "")]),
        ("$$Y ${Z:-a${B}} ${W}", [("Z", ":-", "a${B}"), ("W", "", "")]),
        ("${P:?message}", [("P", ":?", "message")]),
        ("$1 $@ $ ${", []),
        ("${A-}", [("A", "-", "")]),
    ],
)
def test_references_as_written(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert [(r.name, r.operator, r.word) for r in references(text)] == expected


def test_restart_no_unquoted_is_the_string_no(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", "services:\n  a:\n    image: x\n    restart: no\n")
    spec = load_compose([path], environment={}).services["a"]
    assert spec.restart == "no"
    assert spec.invalid == ()
