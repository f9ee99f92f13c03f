"""Honest fix safety: every fixable rule says why its fixes keep behaviour or not, the fixes it makes agree
with what it says, and the fixes whose safety depends on the file are marked accordingly."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise.diagnostics import Applicability, Diagnostic
from dockwise.lint import dockerfile_rules, lint_text
from dockwise.rules import FixAvailability, Rule, RuleOptions, all_rules, registered_rules, rule_by_code
from dockwise.rules.docs import render_rule
from dockwise.suppress import Selector
from tests.rules.test_rule_fixtures import cases, own_diagnostics

FIXABLE = [rule for rule in all_rules() if rule.fix_availability is not FixAvailability.NONE]
#: What a note's first word allows the rule's fixes to be.
ALLOWED = {
    "Safe:": {Applicability.SAFE},
    "Unsafe:": {Applicability.UNSAFE, Applicability.SUGGESTION},
    "Mixed:": set(Applicability),
}


@pytest.mark.parametrize("rule", FIXABLE, ids=lambda rule: rule.code)
def test_every_fixable_rule_says_why_its_fix_is_safe_or_not_on_its_docs_page(rule: type[Rule]) -> None:
    kind = rule.fix_safety.split(" ", 1)[0]
    assert kind in ALLOWED, f"{rule.code}: fix_safety starts with Safe:, Unsafe: or Mixed:"
    assert len(rule.fix_safety) > 40, f"{rule.code}: fix_safety says why, not only which"
    assert f"## Fix safety\n{rule.fix_safety}" in render_rule(rule)


@pytest.mark.parametrize("path", cases("bad"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_fixes_a_rule_makes_are_what_its_note_says(path: Path) -> None:
    rule = registered_rules().get(path.parent.name) or rule_by_code(path.parent.name)  # SC2086: DW690's
    assert rule is not None
    fixes = [d.fix for d in own_diagnostics(path) if d.fix is not None]
    if not fixes:
        return
    allowed = ALLOWED[rule.fix_safety.split(" ", 1)[0]]
    assert {fix.applicability for fix in fixes} <= allowed, f"{rule.code}: {rule.fix_safety[:60]}"


def _fixes(text: str, code: str, options: RuleOptions | None = None) -> list[Diagnostic]:
    rules = dockerfile_rules(select=[Selector(code)])
    return [d for d in lint_text(text, "Dockerfile", rules, options) if d.code == code and d.fix]


def test_no_install_recommends_is_an_unsafe_fix() -> None:
    text = "FROM debian:12\nRUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*\n"
    [finding] = _fixes(text, "DW202")
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.UNSAFE


@pytest.mark.parametrize(
    ("later", "applicability"),
    [
        ("", Applicability.SAFE),
        ("RUN apt-get install -y curl\n", Applicability.UNSAFE),  # needs the lists the fix removes
        ("RUN apt-get update && apt-get install -y curl\n", Applicability.SAFE),
        ("FROM base AS child\nRUN apt-cache policy curl\n", Applicability.UNSAFE),
    ],
)
def test_removing_apt_lists_is_unsafe_when_a_later_step_reads_them(
    later: str, applicability: Applicability
) -> None:
    install = "RUN apt-get update && apt-get install -y --no-install-recommends git\n"
    text = f"FROM debian:12 AS base\n{install}{later}"
    [finding, *_] = _fixes(text, "DW203")
    assert finding.fix is not None
    assert finding.fix.applicability is applicability


@pytest.mark.parametrize(
    ("text", "applicability"),
    [
        ("FROM alpine:3.20\nRUN apk add curl\n", Applicability.SAFE),
        ("FROM alpine:3.20\nRUN apk update\nRUN apk add curl\n", Applicability.UNSAFE),
        ("FROM alpine:3.20\nRUN apk update\nRUN apk update && apk add curl\n", Applicability.SAFE),
    ],
)
def test_apk_no_cache_is_unsafe_after_an_index_left_by_an_earlier_step(
    text: str, applicability: Applicability
) -> None:
    findings = _fixes(text, "DW204")
    assert findings[-1].fix is not None
    assert findings[-1].fix.applicability is applicability


def test_add_to_copy_is_safe_only_for_sources_known_not_to_be_archives(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "bundle.bin").write_bytes(b"\x1f\x8b\x08\x00" + bytes(40))  # gzip, whatever its name
    options = RuleOptions(context_dir=tmp_path)

    def applicability(source: str, with_context: bool = True) -> Applicability:
        text = f"FROM alpine:3.20\nADD {source} /opt/\n"
        [finding] = _fixes(text, "DW501", options if with_context else None)
        assert finding.fix is not None
        return finding.fix.applicability

    assert applicability("config.yaml") is Applicability.SAFE
    assert applicability("bundle.bin") is Applicability.UNSAFE  # ADD unpacks it, COPY would not
    assert applicability("missing.txt") is Applicability.UNSAFE
    assert applicability("*.yaml") is Applicability.UNSAFE
    assert applicability("config.yaml", with_context=False) is Applicability.UNSAFE


def test_exec_form_cmd_is_unsafe_when_an_entrypoint_receives_it() -> None:
    alone = "FROM node:22\nCMD node server.js\n"
    wrapped = 'FROM node:22\nENTRYPOINT ["docker-entrypoint.sh"]\nCMD node server.js\n'
    [plain] = _fixes(alone, "DW401")
    [given] = _fixes(wrapped, "DW401")
    assert plain.fix is not None
    assert plain.fix.applicability is Applicability.SAFE
    assert given.fix is not None
    assert given.fix.applicability is Applicability.UNSAFE


def test_maintainer_to_label_is_unsafe() -> None:
    [finding] = _fixes("FROM alpine:3.20\nMAINTAINER Jane <jane@example.com>\n", "DW503")
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.UNSAFE


def test_add_to_copy_reads_quoted_and_absolute_sources_in_the_build_context(tmp_path: Path) -> None:
    (tmp_path / "app.conf").write_text("listen 80;\n", encoding="utf-8")
    options = RuleOptions(context_dir=tmp_path)
    for source in ('"app.conf"', "/app.conf"):
        [finding] = _fixes(f"FROM alpine:3.20\nADD {source} /etc/app/\n", "DW501", options)
        assert finding.fix is not None
        assert finding.fix.applicability is Applicability.SAFE, source
