"""`package-cache = "mount"`: the package-cache rules offer a BuildKit cache mount instead of removing the
cache, and the fixed file satisfies them (and the mount rules)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dockwise.config import ConfigError, load_settings
from dockwise.diagnostics import Applicability, Diagnostic
from dockwise.fix import fix_text
from dockwise.lint import dockerfile_rules, lint_text
from dockwise.rules import RuleOptions
from dockwise.suppress import Selector

MOUNT = RuleOptions(package_cache="mount")


def linter(codes: str, options: RuleOptions) -> Callable[[str], list[Diagnostic]]:
    rules = dockerfile_rules(select=[Selector(code) for code in codes.split(",")])

    def lint(text: str) -> list[Diagnostic]:
        return lint_text(text, "Dockerfile", rules, options)

    return lint


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        (
            "DW205",
            "FROM python:3.12-slim\nRUN pip install -r requirements.txt\n",
            "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n",
        ),
        (
            "DW204",
            "FROM alpine:3.20\nRUN apk add curl\n",
            "RUN --mount=type=cache,target=/var/cache/apk apk add curl\n",
        ),
        (
            "DW203",
            "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends git\n",
            "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked "
            "--mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update",
        ),
    ],
)
def test_mount_mode_fixes_with_a_cache_mount_only_as_an_unsafe_fix(
    code: str, text: str, expected: str
) -> None:
    lint = linter(code, MOUNT)
    assert not fix_text(text, lint).changed  # a mount needs BuildKit: never applied without asking
    fixed = fix_text(text, lint, unsafe=True)
    assert expected in fixed.text
    assert [a.applicability for a in fixed.applied] == [Applicability.UNSAFE]
    assert not [d for d in lint(fixed.text) if d.code == code]


def test_default_mode_still_removes_the_cache() -> None:
    lint = linter("DW205", RuleOptions())
    fixed = fix_text("FROM python:3.12-slim\nRUN pip install flask\n", lint)
    assert "pip install --no-cache-dir flask" in fixed.text


def test_mount_mode_falls_back_where_the_cache_directory_is_not_roots() -> None:
    text = "FROM python:3.12-slim\nUSER 1000\nRUN pip install --user flask\n"
    fixed = fix_text(text, linter("DW205", MOUNT))
    assert "pip install --no-cache-dir --user flask" in fixed.text


def test_apt_mounts_on_debian_then_get_the_docker_clean_fix() -> None:
    text = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends git\n"
    fixed = fix_text(text, linter("DW203,DW250,DW252", MOUNT), unsafe=True).text
    assert fixed.index("docker-clean") < fixed.index(
        "--mount=type=cache,target=/var/cache/apt,sharing=locked"
    )
    assert not lint_text(fixed, "Dockerfile", dockerfile_rules(select=[Selector("DW25")]), MOUNT)


def test_auto_mode_mounts_only_where_the_dockerfile_needs_buildkit_already() -> None:
    lint = linter("DW205", RuleOptions(package_cache="auto"))
    plain = "FROM python:3.12-slim\nRUN pip install flask\n"
    buildkit = "# syntax=docker/dockerfile:1\n" + plain
    assert "--no-cache-dir" in fix_text(plain, lint).text
    assert "RUN --mount=type=cache,target=/root/.cache/pip pip" in fix_text(buildkit, lint, unsafe=True).text


@pytest.mark.parametrize("value", ["mount", "remove", "auto"])
def test_the_option_is_read_from_the_config(tmp_path: Path, value: str) -> None:
    config = tmp_path / ".dockwise.toml"
    config.write_text(f'package-cache = "{value}"\n', encoding="utf-8")
    assert load_settings(config).package_cache == value


def test_an_unknown_mode_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / ".dockwise.toml"
    config.write_text('package-cache = "keep"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="package-cache must be one of remove, mount, auto"):
        load_settings(config)
