"""Every hadolint rule and BuildKit check has a dockwise rule or a written reason; aliases are real checks."""

from __future__ import annotations

import re

from dockwise.rules import all_rules
from dockwise.rules.coverage import (
    BUILDKIT,
    COVERED_WITHOUT_ALIAS,
    HADOLINT,
    NOT_COVERED,
    PEER_DIFFERENCES,
    documented_difference,
    uncovered,
)

PEER_CODES = {check.code for check in HADOLINT + BUILDKIT}


def test_every_peer_check_is_covered_or_explained() -> None:
    missing = [check.code for check in uncovered(all_rules())]
    assert not missing, f"no dockwise rule and no reason in coverage.py for: {', '.join(missing)}"


def test_no_reason_is_kept_for_a_check_a_rule_now_covers() -> None:
    aliases = {alias for rule in all_rules() for alias in rule.aliases}
    stale = sorted(code for code in NOT_COVERED if code in aliases or code in COVERED_WITHOUT_ALIAS)
    assert not stale, f"coverage.py explains why these are not covered, but a rule covers them: {stale}"
    assert set(NOT_COVERED) <= PEER_CODES


def test_hadolint_and_buildkit_aliases_name_real_checks() -> None:
    """A misspelt alias would silently break `# check=skip=` and `# hadolint ignore=` for that rule."""
    for rule in all_rules():
        for alias in rule.aliases:
            hadolint = re.fullmatch(r"DL\d{4}", alias)
            buildkit = re.fullmatch(r"(?=.*[a-z])[A-Z][A-Za-z]+", alias)
            if hadolint or buildkit:
                assert alias in PEER_CODES, f"{rule.code}: alias {alias} is no hadolint or BuildKit check"


def test_documented_peer_differences_name_a_case_once_and_say_why() -> None:
    from dockwise.rules.coverage import PEER_DIFFERENCES, documented_difference

    seen = set()
    for difference in PEER_DIFFERENCES:
        assert difference.peer in ("hadolint", "buildkit"), difference
        assert difference.behaviour.strip(), difference
        assert len(difference.reason.split()) >= 5, difference
        assert "|" not in difference.behaviour + difference.reason, "a | would break the coverage.md table"
        if difference.peer == "hadolint":
            assert re.fullmatch(r"test/Hadolint/Rule/DL\d{4}Spec\.hs:\d+", difference.case), difference
        key = (difference.peer, difference.case)
        assert key not in seen, f"{key} is documented twice"
        seen.add(key)
        assert documented_difference(difference.peer, difference.case) == difference.reason
    assert documented_difference("hadolint", "test/Hadolint/Rule/DL3008Spec.hs:1") is None


def test_the_differences_are_rendered_into_coverage_md() -> None:
    from dockwise.rules.coverage import PEER_DIFFERENCES, render_coverage

    page = render_coverage(all_rules())
    section = page.split("## Deliberate differences from the peers' own test suites", 1)[1]
    for difference in PEER_DIFFERENCES:
        assert (
            f"| {difference.peer} | `{difference.case}` | {difference.behaviour} | {difference.reason} |"
            in section
        )


def test_documented_peer_differences_are_found_by_the_case_the_adapters_name() -> None:
    assert PEER_DIFFERENCES, "the BuildKit differences are documented"
    for difference in PEER_DIFFERENCES:
        assert difference.peer in ("hadolint", "buildkit")
        assert difference.behaviour
        assert difference.reason
        assert documented_difference(difference.peer, difference.case) == difference.reason
    unknown = "frontend/dockerfile/dockerfile_check_test.go:1 (testNone)"
    assert documented_difference("buildkit", unknown) is None
