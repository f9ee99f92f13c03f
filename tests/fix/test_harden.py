"""`dockwise fix --harden`: the baseline is added where missing, nothing else in the YAML moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise.cli import main
from dockwise.fix.harden import harden_compose
from dockwise.rules.runtime._base import RunSpecContext
from dockwise.runspec.compose import load_compose
from dockwise.runtime_lint import runtime_rules
from dockwise.suppress import Selector

COMPOSE = """\
# the stack
x-common: &common
  restart: unless-stopped   # keep running

services:
  web:
    <<: *common
    image: "nginx:1.27"
    ports:
      - "127.0.0.1:8080:80"
  db:
    image: postgres:16
    read_only: false        # postgres writes its socket dir
    cap_drop: [NET_RAW]
    mem_limit: 1g
"""

HARDENING = ("DW701", "DW702", "DW711", "DW713", "DW716")


def hardening_findings(path: Path) -> set[tuple[str, str]]:
    project = load_compose([path], environment={})
    rules = runtime_rules([Selector(code) for code in HARDENING])
    return {
        (spec.name, diagnostic.code)
        for spec in project.services.values()
        for rule in rules
        for diagnostic in rule.check(RunSpecContext(spec, project.services))
    }


def test_baseline_is_added_and_the_rest_of_the_file_is_kept(tmp_path: Path) -> None:
    result = harden_compose(COMPOSE)
    head = "# the stack\nx-common: &common\n  restart: unless-stopped   # keep running\n"
    assert result.text.startswith(head)
    web = '    <<: *common\n    image: "nginx:1.27"\n    ports:\n      - "127.0.0.1:8080:80"\n'
    assert web in result.text
    assert "    read_only: false        # postgres writes its socket dir\n" in result.text
    assert "    cap_drop: [NET_RAW, ALL]\n" in result.text
    assert "db: deploy.resources.limits.memory: 512m" not in result.changes, "db has a limit of its own"
    assert "db: read_only: true" not in result.changes, "read_only: false is kept"
    path = tmp_path / "compose.yaml"
    path.write_text(result.text)
    assert hardening_findings(path) == {("db", "DW716")}, "only the deliberate read_only: false remains"
    assert harden_compose(result.text).text == result.text, "a second run changes nothing"


def test_sequence_indentation_of_the_file_is_kept() -> None:
    text = "services:\n    app:\n        image: x\n        volumes:\n        -   data:/data\n"
    result = harden_compose(text)
    assert "        volumes:\n        -   data:/data\n" in result.text
    assert "        cap_drop: [ALL]\n" in result.text


def test_cli_diff_writes_nothing_then_harden_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(COMPOSE)
    assert main(["fix", "--harden", "--diff", str(tmp_path)]) == 1
    assert "+    cap_drop: [ALL]" in capsys.readouterr().out
    assert path.read_text() == COMPOSE
    assert main(["fix", "--harden", str(tmp_path)]) == 0
    assert "web: init: true" in capsys.readouterr().err
    assert path.read_text() == harden_compose(COMPOSE).text


def test_jobs_are_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A migration that runs to completion is a job: the lint gives it no hardening advice, so --harden
    must not add limits, a read-only root or dropped capabilities to it either (it used to)."""
    path = tmp_path / "compose.yaml"
    path.write_text(
        "services:\n"
        "  api:\n    image: example/api:1\n    depends_on:\n"
        "      migrate: {condition: service_completed_successfully}\n"
        "  migrate:\n    image: example/api:1\n    command: [migrate]\n"
    )
    assert main(["fix", "--harden", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "api: cap_drop: [ALL]" in err
    assert "migrate:" not in err
    services = load_compose([path]).services
    assert services["api"].read_only
    assert services["migrate"].workload == "job"
    assert not services["migrate"].read_only
    assert services["migrate"].cap_drop == ()


@pytest.mark.parametrize("image", ["docker.io/postgres:16", "index.docker.io/library/postgres", "postgres"])
def test_an_official_image_is_known_however_its_name_is_written(image: str) -> None:
    """`docker.io/postgres` is the official postgres too (Docker adds `library/`): it keeps its
    capabilities. The name used to be split by hand, which missed that spelling."""
    result = harden_compose(f"services:\n  db:\n    image: {image}\n")
    assert "cap_add: [CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID]" in result.text


@pytest.mark.parametrize("image", ["${DB_IMAGE}", "example.com/postgres:16", "bitnami/postgresql:16"])
def test_a_name_that_only_looks_official_gets_no_capabilities(image: str) -> None:
    result = harden_compose(f"services:\n  db:\n    image: '{image}'\n")
    assert "cap_add" not in result.text


def test_official_images_keep_what_their_entrypoint_needs() -> None:
    """Dropping every capability of the official postgres image stopped it from starting (its entrypoint
    chowns the data directory and switches user): the capabilities it needs are added back, said so in
    the file, and a read-only root gets the directories it writes."""
    text = (
        "services:\n"
        "  db:\n    image: postgres:16\n    volumes: [pgdata:/var/lib/postgresql/data]\n"
        "  web:\n    image: docker.io/library/nginx:1.27\n"
        "  own:\n    image: postgres:16\n    user: '999'\n    volumes: [pgdata:/var/lib/postgresql/data]\n"
        "volumes:\n  pgdata: {}\n"
    )
    result = harden_compose(text)
    services = {name: body for name, body in _services(result.text).items()}
    assert (
        "cap_add: [CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID]  # dockwise: what the official postgres"
        in services["db"]
    )
    assert "tmpfs: [/tmp, /var/run/postgresql]" in services["db"]
    assert "NET_BIND_SERVICE" in services["web"]
    assert "tmpfs: [/tmp, /var/cache/nginx, /var/run]" in services["web"]
    assert "cap_add" not in services["own"]  # runs as its own user: the entrypoint switches nothing


def test_a_database_without_a_data_volume_keeps_a_writable_root() -> None:
    result = harden_compose("services:\n  cache:\n    image: redis:7\n")
    assert "read_only" not in result.text  # redis writes /data: read-only would stop it
    assert "cap_add: [CHOWN, SETGID, SETUID]" in result.text


def test_no_memory_limit_is_guessed_for_images_no_default_fits_and_guesses_say_so() -> None:
    result = harden_compose(
        "services:\n  kafka:\n    image: confluentinc/cp-kafka:7.6.0\n  app:\n    image: app:1\n"
    )
    kafka, app = _services(result.text)["kafka"], _services(result.text)["app"]
    assert "memory" not in kafka
    assert "pids: 200" in kafka
    assert "memory: 512m  # dockwise: a default, not measured" in app


def _services(text: str) -> dict[str, str]:
    """Each service's block of lines, by name (two-space indented Compose files)."""
    blocks: dict[str, str] = {}
    name = None
    for line in text.splitlines():
        if line.startswith("  ") and not line.startswith("   ") and line.strip().endswith(":"):
            name = line.strip()[:-1]
            blocks[name] = ""
        elif name is not None and line.startswith("    "):
            blocks[name] += line.strip() + "\n"
        elif not line.startswith(" "):
            name = None
    return blocks
