"""The cache-ordering fix of DW206: offered only where the install needs nothing but the manifests."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise.diagnostics import Diagnostic
from dockwise.fix import fix_text
from dockwise.lint import lint_text
from dockwise.rules import RuleOptions
from dockwise.rules.dockerfile.cache import BroadCopyBeforeInstall


def fixed(folder: Path, dockerfile: str, files: dict[str, str]) -> str:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    options = RuleOptions(context_dir=folder)

    def lint(text: str) -> list[Diagnostic]:
        return lint_text(text, "Dockerfile", [BroadCopyBeforeInstall()], options)

    return fix_text(dockerfile, lint, unsafe=True).text


NODE = 'FROM node:22\nWORKDIR /app\nCOPY --chown=node:node . .\nRUN npm ci\nCMD ["node", "s.js"]\n'
PACKAGE = '{"name": "x", "version": "1.0.0"}'


def test_node_manifests_move_first_and_flags_are_kept(tmp_path: Path) -> None:
    result = fixed(tmp_path, NODE, {"package.json": PACKAGE, "package-lock.json": "{}"})
    assert result == (
        "FROM node:22\nWORKDIR /app\nCOPY --chown=node:node package.json package-lock.json ./\nRUN npm ci\n"
        'COPY --chown=node:node . .\nCMD ["node", "s.js"]\n'
    )


def test_only_manifests_the_context_sends_are_copied(tmp_path: Path) -> None:
    result = fixed(
        tmp_path,
        NODE,
        {"package.json": PACKAGE, "package-lock.json": "{}", ".dockerignore": "package-lock.json\n"},
    )
    assert "COPY --chown=node:node package.json ./\n" in result


@pytest.mark.parametrize(
    "package",
    [
        '{"name": "x", "scripts": {"postinstall": "node build.js"}}',
        '{"name": "x", "workspaces": ["packages/*"]}',
        "not json",
    ],
)
def test_no_fix_when_npm_needs_more_than_the_manifests(tmp_path: Path, package: str) -> None:
    assert fixed(tmp_path, NODE, {"package.json": package}) == NODE


def test_install_scripts_do_not_matter_when_ignored(tmp_path: Path) -> None:
    dockerfile = NODE.replace("npm ci", "npm ci --ignore-scripts")
    result = fixed(tmp_path, dockerfile, {"package.json": '{"scripts": {"prepare": "husky"}}'})
    assert result != dockerfile


@pytest.mark.parametrize(
    ("between", "movable"),
    [("ENV NODE_ENV=production\n", True), ("WORKDIR sub\n", False), ("RUN make\n", False)],
)
def test_what_stands_between_the_copy_and_the_install(tmp_path: Path, between: str, movable: bool) -> None:
    dockerfile = NODE.replace("RUN npm ci", f"{between}RUN npm ci")
    result = fixed(tmp_path, dockerfile, {"package.json": PACKAGE})
    assert (result != dockerfile) is movable
    if movable:
        assert f"COPY --chown=node:node package.json ./\n{between}RUN npm ci\nCOPY --chown" in result


@pytest.mark.parametrize(
    ("requirements", "movable"),
    [("flask==3.0\n", True), ("-e .\n", False), ("-r base.txt\n", False), ("./wheels/x.whl\n", False)],
)
def test_requirement_files_must_stand_alone(tmp_path: Path, requirements: str, movable: bool) -> None:
    dockerfile = "FROM python:3.12\nWORKDIR /srv\nCOPY . /srv\nRUN pip install -r requirements.txt\n"
    result = fixed(tmp_path, dockerfile, {"requirements.txt": requirements})
    assert (result != dockerfile) is movable
    if movable:
        assert result.startswith("FROM python:3.12\nWORKDIR /srv\nCOPY requirements.txt /srv/\nRUN pip")


@pytest.mark.parametrize(
    ("run", "files", "movable"),
    [
        ("poetry install", {"pyproject.toml": "", "poetry.lock": ""}, False),
        ("poetry install --no-root", {"pyproject.toml": "", "poetry.lock": ""}, True),
        ("uv sync --frozen", {"pyproject.toml": ""}, False),
        ("uv sync --frozen --no-install-project", {"pyproject.toml": ""}, True),
        ("go mod download", {"go.mod": "module x\nreplace y => ./y\n"}, False),
        ("go mod download", {"go.mod": "module x\n", "go.sum": ""}, True),
        ("bundle install", {"Gemfile": "source 'x'\ngemspec\n"}, False),
        ("npm ci && npm run build", {"package.json": PACKAGE}, False),
        ("npm ci && npm cache clean --force", {"package.json": PACKAGE}, True),
        ("composer install", {"composer.json": "{}", "composer.lock": "{}"}, False),
        ("composer install --no-scripts --no-autoloader", {"composer.json": "{}"}, True),
        ("gradle dependencies", {"build.gradle": "", "settings.gradle": "rootProject.name='x'"}, True),
        ("gradle dependencies", {"build.gradle": "", "settings.gradle": "include 'app', 'lib'"}, False),
        ("./gradlew dependencies", {"build.gradle": "", "gradlew": ""}, False),
        ("cargo fetch", {"Cargo.toml": "", "Cargo.lock": ""}, False),
    ],
)
def test_installers(tmp_path: Path, run: str, files: dict[str, str], movable: bool) -> None:
    dockerfile = f"FROM base\nWORKDIR /app\nCOPY . .\nRUN {run}\n"
    assert (fixed(tmp_path, dockerfile, files) != dockerfile) is movable


def test_no_fix_without_a_build_context() -> None:
    def lint(text: str) -> list[Diagnostic]:
        return lint_text(text, "-", [BroadCopyBeforeInstall()], RuleOptions(context_dir=None))

    assert not fix_text(NODE, lint, unsafe=True).changed
    assert not fix_text(NODE, lambda t: lint_text(t, "Dockerfile", [BroadCopyBeforeInstall()])).changed


def test_crlf_and_a_last_line_without_newline(tmp_path: Path) -> None:
    dockerfile = "FROM node:22\r\nWORKDIR /app\r\nCOPY . .\r\nRUN npm ci"
    result = fixed(tmp_path, dockerfile, {"package.json": PACKAGE})
    assert result == "FROM node:22\r\nWORKDIR /app\r\nCOPY package.json ./\r\nRUN npm ci\r\nCOPY . ."
