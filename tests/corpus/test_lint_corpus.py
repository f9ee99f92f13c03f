"""The whole corpus lints without a crash, and the suite shows how often each rule fires.

The official-image repositories are written by experts: a rule that fires on most of them is probably
wrong, so their rates are printed apart from the whole corpus. Every rule that runs by default must stay
under a ceiling on the whole corpus: `DEFAULT_CEILING`, or its own one in `CEILINGS` with the reason a
sample of its findings gave for firing that often.
"""

from __future__ import annotations

import collections

import pytest

from dockwise.lint import dockerfile_rules, lint_text
from dockwise.rules import DockerfileRule, all_rules
from dockwise.suppress import Selector
from tests.conftest import SHARED, SUMMARY_LINES, corpus_manifest, read_text

pytestmark = pytest.mark.corpus

OFFICIAL_REPOSITORIES = (
    "docker-library/",
    "nginxinc/docker-nginx",
    "nodejs/docker-node",
    "rust-lang/",
    "adoptium/",
)


#: The share of corpus Dockerfiles a default rule may fire on. Above it, a rule fires on so much real-world
#: code that it is probably wrong, or a matter of policy that should be opt-in.
DEFAULT_CEILING = 0.10
#: Default rules allowed more, each with why its findings are real problems that common (from a sample).
CEILINGS: dict[str, tuple[float, str]] = {
    "DW101": (0.25, "FROM without a tag or with `latest`: examples, tests and quick-starts rarely pin"),
    "DW301": (0.25, "no USER in the shipped image: most images in the wild still run their service as root"),
    "DW402": (0.25, "info: a service EXPOSEs a port without a HEALTHCHECK, which most images omit"),
    "DW303": (0.15, "info: USER by name, not number; Kubernetes' runAsNonRoot cannot verify a name"),
    "DW202": (0.15, "apt-get install without --no-install-recommends: the common default, and the MBs real"),
}


def test_corpus_lints_without_crash_and_rule_rates_are_shown() -> None:
    rows = [row for row in corpus_manifest() if row["kind"] == "dockerfile"]
    fired: dict[str, collections.Counter[str]] = {
        "official": collections.Counter(),
        "all": collections.Counter(),
    }
    official = 0
    syntax_errors: list[str] = []
    every_rule = dockerfile_rules(select=[Selector("ALL")])
    for row in rows:
        path = SHARED / "corpus" / row["local_path"]
        codes = {diagnostic.code for diagnostic in lint_text(read_text(path), str(path), every_rule)}
        if "DW001" in codes:
            syntax_errors.append(row["local_path"])
        fired["all"].update(codes)
        if row["repo"].startswith(OFFICIAL_REPOSITORIES):
            official += 1
            fired["official"].update(codes)
    SUMMARY_LINES.append(
        f"lint: {len(rows)} corpus Dockerfiles linted with every rule ({official} from official images)"
    )
    for rule in (rule for rule in all_rules() if issubclass(rule, DockerfileRule)):
        share_official = fired["official"][rule.code] / official
        share_all = fired["all"][rule.code] / len(rows)
        ceiling = CEILINGS.get(rule.code, (DEFAULT_CEILING, ""))[0]
        limit = f"   (ceiling {ceiling:.0%})" if rule.default_enabled else "   (opt-in)"
        SUMMARY_LINES.append(
            f"  {rule.code} {rule.name:<34} official images {share_official:6.1%}   "
            f"whole corpus {share_all:6.1%}{limit}"
        )
    assert not syntax_errors, "every corpus file is valid for BuildKit: " + ", ".join(syntax_errors[:5])
    assert official > 500
    # Opt-in rules are policies (pin every package version) that expert files are free not to follow.
    default_rules = {rule.code for rule in all_rules() if rule.default_enabled}
    too_noisy = [
        code for code, count in fired["official"].items() if count / official > 0.5 and code in default_rules
    ]
    assert not too_noisy, f"rules firing on most official images (probably wrong): {too_noisy}"
    over = [
        f"{code} {fired['all'][code] / len(rows):.1%} > {CEILINGS.get(code, (DEFAULT_CEILING, ''))[0]:.0%}"
        for code in sorted(default_rules)
        if fired["all"][code] / len(rows) > CEILINGS.get(code, (DEFAULT_CEILING, ""))[0]
    ]
    assert not over, f"default rules above their corpus ceiling (narrow them or make them opt-in): {over}"


def test_every_raised_ceiling_names_a_default_rule_and_gives_a_reason() -> None:
    rules = {rule.code: rule for rule in all_rules()}
    for code, (ceiling, reason) in CEILINGS.items():
        assert code in rules, f"{code}: no such rule"
        assert rules[code].default_enabled, f"{code}: ceilings are for default rules"
        assert DEFAULT_CEILING < ceiling < 0.5
        assert len(reason) > 20
