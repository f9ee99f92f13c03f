"""One runner for every rule's fixtures in `tests/rules/<CODE>/`.

For each rule: `bad*.Dockerfile` must produce the rule, `good*.Dockerfile` must not, and each
`expected*.txt` equals the text report of its `bad*` file (regenerate with DOCKWISE_UPDATE_SNAPSHOTS=1).
When the rule's fixes (safe and unsafe) change a `bad*` file, `fixed*.Dockerfile` is the result: the rule
no longer fires on it and it still parses.
Every registered rule has a folder and every folder names a registered rule, or one code of another tool
that a rule reports (`SC2086` for ShellCheck's DW690: only that code counts there). The folder is the build
context (a `.dockerignore` there is read), and a `dockwise.toml` there gives the rule options (required
labels, trusted registries) that rules which need configuration read.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockwise.config import Settings, load_settings
from dockwise.diagnostics import Diagnostic
from dockwise.dockerfile import parse
from dockwise.fix import fix_text
from dockwise.lint import FileResult, LintReport, lint_text
from dockwise.lint import rule_options as options_from_settings
from dockwise.report.text import render
from dockwise.rules import DockerfileRule, RuleOptions, all_rules, registered_rules, rule_by_code
from dockwise.rules.image._base import ImageRule
from dockwise.rules.runtime._base import RunSpecRule
from dockwise.runtime_lint import lint_runtime_file
from tests.conftest import read_text

FIXTURES = Path(__file__).parent
RULE_FOLDERS = sorted(
    path for path in FIXTURES.iterdir() if path.is_dir() and path.name.startswith(("DW", "SC"))
)
UPDATE = os.environ.get("DOCKWISE_UPDATE_SNAPSHOTS") == "1"


#: Dockerfile rules take `*.Dockerfile` fixtures; runtime rules take Compose files and shell scripts.
SUFFIXES = (".Dockerfile", ".yaml", ".sh", ".image.json")


def cases(prefix: str) -> list[Path]:
    return sorted(
        path for folder in RULE_FOLDERS for suffix in SUFFIXES for path in folder.glob(f"{prefix}*{suffix}")
    )


def own_diagnostics(path: Path) -> tuple[Diagnostic, ...]:
    """What `path`'s own rule (the folder name) reports on it, with the folder's options."""
    return own_diagnostics_of(read_text(path), path)


def own_diagnostics_of(text: str, path: Path) -> tuple[Diagnostic, ...]:
    code = path.parent.name
    rule = registered_rules().get(code) or rule_by_code(code)
    assert rule is not None, f"{code} names no rule"
    if issubclass(rule, ImageRule):
        import json
        import tempfile

        from dockwise.image.archive import read_docker_archive
        from dockwise.rules.image._base import ImageContext
        from tests.rules.image_fixtures import build_archive

        with tempfile.TemporaryDirectory() as folder:
            image = read_docker_archive(build_archive(json.loads(text), Path(folder) / "image.tar"))
        return tuple(rule().check(ImageContext(image, path.name)))
    if issubclass(rule, RunSpecRule):
        # DW700 is reported by the loaders themselves, whatever rules run
        config = path.parent / "dockwise.toml"
        target = load_settings(config).target if config.exists() else "compose"
        result = lint_runtime_file(path, [rule()], Settings(), target)
        return tuple(d for d in result.diagnostics if d.code == code)
    rules = [rule()] if issubclass(rule, DockerfileRule) else []
    options = rule_options(path.parent)
    found = lint_text(text, path.name, rules, options)
    if rule.subcode_prefix and code == rule.code:  # every finding of the rule, whatever its code
        return tuple(d for d in found if rule_by_code(d.code) is rule)
    return tuple(d for d in found if d.code == code)


def rule_options(folder: Path) -> RuleOptions:
    """The options a lint of the fixture folder gets: its `dockwise.toml`, the folder as the context."""
    config = folder / "dockwise.toml"
    return options_from_settings(load_settings(config if config.exists() else None), folder)


def check(path: Path) -> list[str]:
    return [d.code for d in own_diagnostics(path)]


def test_every_rule_has_a_fixture_folder_and_every_folder_a_rule() -> None:
    rules = all_rules()
    subcodes = {folder.name for folder in RULE_FOLDERS if not folder.name.startswith("DW")}
    assert {folder.name for folder in RULE_FOLDERS} - subcodes == {rule.code for rule in rules}
    for code in subcodes:
        found = rule_by_code(code)
        assert found is not None, code
        assert found.subcode_prefix, code
        assert code.startswith(found.subcode_prefix), code
    for folder in RULE_FOLDERS:
        assert any(folder.glob(f"bad*{suffix}") for suffix in SUFFIXES), f"{folder.name} has no bad fixture"
        assert any(folder.glob(f"good*{suffix}") for suffix in SUFFIXES), f"{folder.name} has no good fixture"


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
    stem = path.name.removesuffix(".image.json").removesuffix(path.suffix)
    expected = path.with_name(stem.replace("bad", "expected", 1) + ".txt")
    if UPDATE or not expected.exists():
        expected.write_text(report, encoding="utf-8")
    assert report == read_text(expected)


@pytest.mark.parametrize(
    "path", [p for p in cases("bad") if p.suffix == ".Dockerfile"], ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_fixed_snapshot_matches_and_no_longer_fires(path: Path) -> None:
    outcome = fix_text(read_text(path), lambda text: list(own_diagnostics_of(text, path)), unsafe=True)
    fixed = path.with_name(path.name.replace("bad", "fixed", 1))
    assert not outcome.broken
    if not outcome.changed:
        if UPDATE:
            fixed.unlink(missing_ok=True)
        assert not fixed.exists(), f"{fixed.name} is stale: the rule no longer fixes {path.name}"
        return
    if UPDATE or not fixed.exists():
        fixed.write_text(outcome.text, encoding="utf-8")
    assert outcome.text == read_text(fixed)
    assert not [d for d in outcome.remaining if d.fix], "every fixable finding was fixed"
    parse(outcome.text)
