"""The workload kind of a RunSpec: a *service* runs until it is stopped, a *job* runs to completion.

Advice for production services (a health check, a restart policy, limits, a read-only root) is noise on a
container that runs a migration, a test suite or a build step and exits; what protects the host
(privileged, the Docker socket, host namespaces, dangerous capabilities, secrets) matters for both. Rules
say which kinds they apply to (`RunSpecRule.applies_to`).

A container is a job when what is written says it ends:

- Compose: `restart: "no"` with a `command`, or in a profile with no published port (an opt-in
  container its author will not restart and nothing reaches: example-voting-app's `seed`);
  `deploy.restart_policy.condition: none`; the target of another service's `depends_on` with
  `condition: service_completed_successfully`; a service first defined in a test, build or CI Compose
  file (named or placed as `job_script_reason` says: `docker-compose.test.yml`, `compose.ci.yaml`,
  `tests/compose.yaml`), which runs for the tests. A `profiles:` entry alone is not a sign: a profile says
  when a service starts (`debug`, `tools`), not that it ends; nor is `restart: "no"` alone, which
  development setups give servers too (awesome-compose's fastapi).
- `docker run`: `--rm` without `-d` (the line waits for the container and removes it); and every
  `docker run` of a test, build or CI script (`job_script_reason`): such containers live as long as the
  script, so production-service advice is wrong for them even when they are detached.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

#: Words of a file or folder name that make a script a test, build or CI script (`run-tests.sh`,
#: `build_image.sh`, `tests/`, `ci/`, `.github/`): split on `-`, `_` and `.`.
_JOB_WORDS = frozenset({"test", "tests", "testing", "build", "lint", "ci", "e2e", "integration", "check"})
#: Folders whose scripts are CI or test scripts whatever their name.
_JOB_FOLDERS = frozenset(
    {"test", "tests", "testing", "ci", ".ci", ".github", ".circleci", ".buildkite", "e2e", "integration"}
)


def compose_jobs(services: Mapping[str, Any], defined_in: Mapping[str, PurePath]) -> dict[str, str]:
    """The services of a merged Compose project that run to completion, with the reason for each;
    `defined_in` is the first file that names each service (an overlay that only adds to a service does
    not make it the overlay's)."""
    jobs: dict[str, str] = {}
    for name, service in services.items():
        if not isinstance(service, Mapping):
            continue
        file = defined_in.get(str(name))
        if file is not None and job_script_reason(file):
            jobs.setdefault(str(name), f"defined in {file.name}, a test, build or CI Compose file")
        restart = service.get("restart")
        if restart is False or str(restart).strip().lower() == "no":
            if service.get("command"):
                jobs.setdefault(str(name), '`restart: "no"` with a command')
            elif service.get("profiles") and not service.get("ports"):
                jobs.setdefault(str(name), '`restart: "no"` in a profile, with no published port')
        deploy = service.get("deploy")
        policy = deploy.get("restart_policy") if isinstance(deploy, Mapping) else None
        if isinstance(policy, Mapping) and str(policy.get("condition", "")).lower() == "none":
            jobs.setdefault(str(name), "`deploy.restart_policy.condition: none`")
        depends_on = service.get("depends_on")
        if isinstance(depends_on, Mapping):
            for other, condition in depends_on.items():
                if (
                    isinstance(condition, Mapping)
                    and condition.get("condition") == "service_completed_successfully"
                ):
                    jobs.setdefault(str(other), f"{name} waits for it to complete")
    return {name: reason for name, reason in jobs.items() if name in services}


def docker_run_job_reason(flags: Mapping[str, object]) -> str:
    """Why a `docker run` line is a job, from its flags (`rm`, `detach`), or "" for a service."""
    if _on(flags.get("rm")) and not _on(flags.get("detach")):
        return "`--rm` without `-d`"
    return ""


def _on(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() not in ("false", "0"))


def job_script_reason(path: PurePath) -> str:
    """Why a file's containers are jobs: it is a CI file, or a test or build script by its path
    (one of its two nearest folders is `test/`, `tests/`, `ci/`, `.github/` ..., or its name has the word
    test, build, lint, check, ci, e2e or integration); "" otherwise. Makefiles are judged per target
    (`embedded.makefile_job_regions`)."""
    from dockwise.runspec.embedded import is_ci_file

    if is_ci_file(path):
        return "a CI file"
    for folder in path.parts[-3:-1]:  # the two nearest folders: the project's root is not known here
        if folder.lower() in _JOB_FOLDERS:
            return f"a script under {folder}/"
    if job_name(path.stem.lower()):
        return "a test or build script"
    return ""


def job_name(name: str) -> bool:
    """A script or Makefile target name made of words that say test, build or lint (`test`, `build-image`,
    `run_tests`, `lint.docker`), not one that merely contains them (`latest`, `rebuild`)."""
    import re

    return any(word in _JOB_WORDS for word in re.split(r"[-_.:/]", name))
