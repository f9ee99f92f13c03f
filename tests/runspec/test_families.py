"""Which Compose files are linted together (`runtime_families`), and where a merged project's findings
are reported (`lint_runtime_family`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dockwise.config import Settings
from dockwise.diagnostics import Diagnostic
from dockwise.rules.runtime._base import RunSpecContext
from dockwise.rules.runtime.limits import NoMemoryLimit
from dockwise.runtime_lint import lint_runtime_family, runtime_families


def touch(folder: Path, *names: str) -> list[Path]:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("services: {}\n", encoding="utf-8")
    return [folder / name for name in names]


def test_families_follow_what_docker_compose_loads(tmp_path: Path) -> None:
    base, override, prod, legacy, script = touch(
        tmp_path,
        "compose.yaml",
        "docker-compose.override.yml",
        "compose.prod.yaml",
        "docker-compose.yml",
        "run.sh",
    )
    (orphan,) = touch(tmp_path, "tests/docker-compose.test.yml")
    assert runtime_families([base, legacy, override, prod, script, orphan]) == [
        ((base, override), (base, prod)),  # any override name goes with the first base
        ((legacy,),),  # a second base is a project of its own
        ((script,),),
        ((orphan,),),  # nothing to merge it into
    ]
    assert runtime_families([prod]) == [((base, override), (base, prod))], "named alone, merged all the same"


class _RestartWithoutHealthCheck:
    """A check over two fields: a finding at the base's `restart` that an overlay's `healthcheck` causes."""

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        health = context.spec.healthcheck
        if context.spec.restart and (health is None or health.disabled):
            yield context.diagnostic(NoMemoryLimit, "restart", f"{context.spec.name} restarts blind")

    run = check


def test_a_finding_only_the_merge_has_says_with_which_files(tmp_path: Path) -> None:
    base = tmp_path / "compose.yaml"
    base.write_text(
        "services:\n  api:\n    image: x\n    restart: always\n    healthcheck: {test: [CMD, ok]}\n"
    )
    debug = tmp_path / "compose.debug.yaml"
    debug.write_text("services:\n  api:\n    healthcheck: {disable: true}\n")
    rules = [_RestartWithoutHealthCheck()]
    results = lint_runtime_family(((base,), (base, debug)), rules, Settings())  # type: ignore[arg-type]
    found = [(Path(r.path).name, d.message, d.notes) for r in results for d in r.diagnostics]
    assert found == [
        (
            "compose.yaml",
            "api restarts blind",
            ("only with compose.debug.yaml (docker compose -f compose.yaml -f compose.debug.yaml)",),
        )
    ]


def test_a_file_that_stands_alone_is_not_merged_over_the_base(tmp_path: Path) -> None:
    """photoprism's compose.armv7.yaml and example-voting-app's docker-compose.images.yml are whole
    projects of their own: merged over the base they would take its settings and hide their own."""
    base = tmp_path / "compose.yaml"
    base.write_text(
        "services:\n  app:\n    image: app\n    mem_limit: 1g\n  db:\n    image: db\n    mem_limit: 1g\n"
    )
    whole = tmp_path / "compose.armv7.yaml"
    whole.write_text(
        "services:\n  app:\n    image: app:arm\n    depends_on: [db]\n  db:\n    image: db:arm\n"
    )
    patch = tmp_path / "compose.prod.yaml"
    patch.write_text(
        "services:\n  app:\n    environment: {MODE: prod}\n  extra:\n    image: x\n    mem_limit: 1g\n"
    )
    rules = [NoMemoryLimit()]
    results = lint_runtime_family(((base,), (base, whole), (base, patch)), rules, Settings())
    found = sorted((Path(r.path).name, d.message) for r in results for d in r.diagnostics)
    assert found == [
        ("compose.armv7.yaml", "app has no memory limit: set one"),
        ("compose.armv7.yaml", "db has no memory limit: set one"),
    ], "the prod overlay patches app (no image): merged, it takes the base's limit"
