"""One runner for every rule's fixtures in `tests/rules/<CODE>/`.

For each rule: `bad*.Dockerfile` must produce the rule, `good*.Dockerfile` must not, and each
`expected*.txt` equals the text report of its `bad*` file (regenerate with DOCKWISE_UPDATE_SNAPSHOTS=1).
Every registered rule has a folder and every folder names a registered rule. The folder is the build
context (a `.dockerignore` there is read), and a `dockwise.toml` there gives the rule options (required
labels, trusted registries) that rules which need configuration read.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockwise.config import load_settings
from dockwise.diagnostics import Diagnostic
from dockwise.lint import FileResult, LintReport, lint_text
from dockwise.report.text import render
from dockwise.rules import DockerfileRule, RuleOptions, all_rules, registered_rules
from tests.conftest import read_text

FIXTURES = Path(__file__).parent
RULE_FOLDERS = sorted(path for path in FIXTURES.iterdir() if path.is_dir() and path.name.startswith("DW"))
UPDATE = os.environ.get("DOCKWISE_UPDATE_SNAPSHOTS") == "1"


def cases(prefix: str) -> list[Path]:
    return sorted(path for folder in RULE_FOLDERS for path in folder.glob(f"{prefix}*.Dockerfile"))


def own_diagnostics(path: Path) -> tuple[Diagnostic, ...]:
    """What `path`'s own rule (the folder name) reports on it, with the folder's options."""
    code = path.parent.name
    rule = registered_rules()[code]
    rules = [rule()] if issubclass(rule, DockerfileRule) else []
    config = path.parent / "dockwise.toml"
    settings = load_settings(config if config.exists() else None)
    options = RuleOptions(
        trusted_registries=settings.trusted_registries,
        required_labels=settings.required_labels,
        strict_labels=settings.strict_labels,
        context_dir=path.parent,
    )
    return tuple(d for d in lint_text(read_text(path), path.name, rules, options) if d.code == code)


def check(path: Path) -> list[str]:
    return [d.code for d in own_diagnostics(path)]


def test_every_rule_has_a_fixture_folder_and_every_folder_a_rule() -> None:
    assert {folder.name for folder in RULE_FOLDERS} == {rule.code for rule in all_rules()}
    for folder in RULE_FOLDERS:
        assert list(folder.glob("bad*.Dockerfile")), f"{folder.name} has no bad*.Dockerfile"
        assert list(folder.glob("good*.Dockerfile")), f"{folder.name} has no good*.Dockerfile"


@pytest.mark.parametrize("path", cases("bad"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bad_fixture_fires(path: Path) -> None:
    assert check(path), f"{path.parent.name} did not fire on {path.name}"


@pytest.mark.parametrize("path", cases("good"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_good_fixture_does_not_fire(path: Path) -> None:
    assert not check(path), f"{path.parent.name} fired on {path.name}"


@pytest.mark.parametrize("path", cases("bad"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_expected_report_matches(path: Path) -> None:
    text = read_text(path)
    diagnostics = own_diagnostics(path)
    report = render(LintReport((FileResult(path.name, text, diagnostics),)))
    expected = path.with_name(path.name.replace("bad", "expected", 1).replace(".Dockerfile", ".txt"))
    if UPDATE or not expected.exists():
        expected.write_text(report, encoding="utf-8")
    assert report == read_text(expected)
