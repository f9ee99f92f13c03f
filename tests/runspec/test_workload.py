"""Jobs and services: which containers run to completion, and which rules leave jobs alone."""

from __future__ import annotations

from pathlib import Path, PurePath

import pytest

from dockwise.config import Settings
from dockwise.diagnostics import FileLocation
from dockwise.rules.runtime._base import RunSpecRule
from dockwise.runspec.compose import load_compose
from dockwise.runspec.docker_run import runspecs_in_script
from dockwise.runspec.embedded import makefile_job_regions
from dockwise.runspec.workload import job_name, job_script_reason
from dockwise.runtime_lint import lint_runtime_file, runtime_rules

COMPOSE = """
services:
  db:
    image: postgres:16
    restart: unless-stopped
  migrate:
    image: app
    command: ["./manage", "migrate"]
  seed:
    image: app
    command: ./seed
    restart: "no"
  bare:
    image: app
    restart: "no"
  report:
    image: app
    deploy:
      restart_policy: {condition: none}
  api:
    image: app
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
  tools:
    image: app
    profiles: [tools]
  once:
    image: app
    profiles: [seed]
    restart: "no"
  dev:
    image: app
    profiles: [dev]
    restart: "no"
    ports: ["8000:8000"]
"""


def test_compose_services_that_run_to_completion_are_jobs(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(COMPOSE)
    services = load_compose([path], environment={}).services
    kinds = {name: (spec.workload, spec.workload_reason) for name, spec in services.items()}
    assert kinds == {
        "db": ("service", ""),
        "migrate": ("job", "api waits for it to complete"),
        "seed": ("job", '`restart: "no"` with a command'),
        "bare": ("service", ""),  # `restart: "no"` alone: the image's own command may be a server
        "report": ("job", "`deploy.restart_policy.condition: none`"),
        "api": ("service", ""),
        "tools": ("service", ""),  # a profile says when a service starts, not that it ends
        "once": ("job", '`restart: "no"` in a profile, with no published port'),
        "dev": ("service", ""),
    }


def test_services_first_defined_in_a_test_compose_file_are_jobs(tmp_path: Path) -> None:
    base = tmp_path / "compose.yaml"
    base.write_text("services:\n  api:\n    image: app\n")
    tests = tmp_path / "compose.tests.yaml"
    tests.write_text("services:\n  api:\n    environment: {MODE: test}\n  e2e:\n    image: runner\n")
    services = load_compose([base, tests], environment={}).services
    assert services["api"].workload == "service"  # the overlay only adds to it
    assert services["e2e"].workload == "job"
    assert "compose.tests.yaml" in services["e2e"].workload_reason
    alone = tmp_path / "docker-compose.test.yml"
    alone.write_text("services:\n  db:\n    image: postgres:16\n")
    assert load_compose([alone], environment={}).services["db"].workload == "job"


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("docker run --rm app pytest", "job"),
        ("docker run --rm -it app sh", "job"),
        ("docker run --rm -d app", "service"),
        ("docker run -d --rm=true app", "service"),
        ("docker run --rm --detach=false app", "job"),
        ("docker run --rm=false app", "service"),
        ("docker run app", "service"),
        ("docker run -d -p 80:80 nginx", "service"),
    ],
)
def test_docker_run_with_rm_and_without_detach_is_a_job(line: str, kind: str) -> None:
    (spec,) = runspecs_in_script(line, "run.sh")
    assert spec.workload == kind


@pytest.mark.parametrize(
    ("path", "is_job"),
    [
        ("tests/start-db.sh", True),
        ("project/test/run.sh", True),
        ("ci/deploy.sh", True),
        (".github/scripts/smoke.sh", True),
        (".github/workflows/ci.yml", True),
        (".gitlab-ci.yml", True),
        ("scripts/build-image.sh", True),
        ("scripts/run_tests.sh", True),
        ("scripts/lint.sh", True),
        ("scripts/deploy.sh", False),
        ("scripts/start.sh", False),
        ("scripts/latest.sh", False),  # a word that only contains "test"
        ("scripts/rebuild-cache.sh", False),
        ("/home/me/tests/project/deploy/run.sh", False),  # only the two nearest folders count
    ],
)
def test_test_build_and_ci_scripts_are_jobs(path: str, is_job: bool) -> None:
    assert bool(job_script_reason(PurePath(path))) == is_job


def test_makefile_targets_named_for_tests_builds_and_linting() -> None:
    text = (
        ".PHONY: test run\n"
        "test: deps\n\tdocker run -d -p 5432:5432 postgres:16\n\tdocker run --rm app pytest\n"
        "run:\n\tdocker run -d -p 8080:80 app\n"
        "build-image lint:\n\tdocker run \\\n  -d app\n"
        "VERSION := 1\n"
    )
    regions = makefile_job_regions(text)
    inside = {line: any(s <= text.index(line) < e for s, e in regions) for line in ("5432", "8080", "-d app")}
    assert inside == {"5432": True, "8080": False, "-d app": True}
    assert job_name("integration-test")
    assert not job_name("deploy")


def codes(path: Path) -> list[str]:
    result = lint_runtime_file(path, runtime_rules(), Settings())
    return sorted({d.code for d in result.diagnostics})


def test_jobs_get_what_protects_the_host_and_no_service_advice(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text(
        "docker run --rm --privileged -v /var/run/docker.sock:/var/run/docker.sock "
        "--cap-add SYS_ADMIN --network host -e API_TOKEN=abc123 app make\n"
    )
    assert codes(script) == ["DW710", "DW712", "DW720", "DW721", "DW740"]
    script.write_text(script.read_text().replace("--rm", "-d"))
    found = codes(script)
    assert {"DW701", "DW702", "DW703", "DW716", "DW730"} <= set(found)


def test_a_makefile_test_target_is_a_job_and_its_run_target_a_service(tmp_path: Path) -> None:
    makefile = tmp_path / "Makefile"
    makefile.write_text("test:\n\tdocker run -d app pytest\nserve:\n\tdocker run -d app\n")
    result = lint_runtime_file(makefile, runtime_rules(), Settings())
    text = makefile.read_text()
    spans = [d.location.range for d in result.diagnostics if isinstance(d.location, FileLocation)]
    lines = {text.count("\n", 0, span.start) + 1 for span in spans}
    assert lines == {4}


def test_every_runtime_rule_says_which_kinds_it_applies_to() -> None:
    service_only = {rule.code for rule in runtime_rules() if rule.applies_to == frozenset({"service"})}
    assert service_only == {
        "DW701", "DW702", "DW703", "DW711", "DW713", "DW715", "DW716", "DW723",
        "DW730", "DW731", "DW732", "DW733", "DW735", "DW741", "DW742",
    }  # fmt: skip
    for rule in runtime_rules():
        assert isinstance(rule, RunSpecRule)
        assert rule.applies_to
        assert rule.applies_to <= {"service", "job"}


def test_dw732_speaks_only_for_swarm_where_a_failing_health_check_replaces_a_task(tmp_path: Path) -> None:
    """Plain Docker never restarts an unhealthy container, so under the compose target the rule is
    silent (it used to advise a health check for `restart: always`); under Swarm it fires."""
    from dockwise.rules.runtime.lifecycle import RestartWithoutHealthcheck

    path = tmp_path / "compose.yaml"
    path.write_text(
        "services:\n"
        "  api:\n    image: app\n    restart: always\n"
        "  worker:\n    image: app\n    deploy:\n      restart_policy: {condition: any}\n"
    )

    def fired(target: str) -> list[str]:
        result = lint_runtime_file(path, [RestartWithoutHealthcheck()], Settings(), target)
        return [d.message.split()[0] for d in result.diagnostics]

    assert fired("compose") == []
    assert fired("swarm") == ["worker"]
