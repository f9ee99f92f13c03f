"""Every Compose file of the corpus loads into RunSpecs, or fails for a reason the test names; and every
runtime rule's firing rate on the corpus, linted as `dockwise lint` lints a file (jobs told from services),
is printed and kept under a ceiling: `DEFAULT_CEILING`, or its own in `CEILINGS` with the reason."""

from __future__ import annotations

import collections
import re

import pytest

from dockwise.config import Settings
from dockwise.runspec.compose import ComposeError, load_compose
from dockwise.runtime_lint import lint_runtime_group, runtime_rules
from tests.conftest import SUMMARY_LINES, require_shared

pytestmark = pytest.mark.corpus

#: Why a corpus file may fail: the corpus keeps single files, so a file another one `extends` or
#: `include`s is absent. (podman-compose's list form of `ulimits` is a schema problem, reported without
#: failing the file.)
JUSTIFIED = (re.compile(r"extends \S+, which does not exist"), re.compile(r"include \S+: no such file"))

DEFAULT_CEILING = 0.15
_MISSING = "the setting is absent from most services of example and development files; saying so is the rule"
CEILINGS: dict[str, tuple[float, str]] = {
    "DW701": (0.5, _MISSING),
    "DW702": (0.5, _MISSING),
    "DW703": (0.5, _MISSING),
    "DW711": (0.5, _MISSING),
    "DW713": (0.5, _MISSING),
    "DW716": (0.5, _MISSING),
    "DW730": (0.5, _MISSING),
    "DW733": (0.45, _MISSING),
    "DW724": (0.4, "every multi-service file without networks: the default network is what most write"),
    "DW723": (0.3, '`ports: ["8080:8080"]`, the short syntax everyone writes, publishes on every interface'),
}


def test_every_compose_file_loads_or_fails_for_a_named_reason() -> None:
    files = sorted(path for path in require_shared("corpus/compose").rglob("*") if path.is_file())
    loaded = services = with_problems = 0
    unjustified: list[str] = []
    justified: list[str] = []
    for path in files:
        try:
            project = load_compose([path], environment={})
        except ComposeError as error:
            (justified if any(p.search(str(error)) for p in JUSTIFIED) else unjustified).append(str(error))
            continue
        loaded += 1
        services += len(project.services)
        with_problems += bool(project.problems)
    SUMMARY_LINES.append(
        f"compose: {loaded} of {len(files)} corpus Compose files loaded ({services} services; "
        f"{with_problems} need a variable that is not set), {len(justified)} refused for a named reason"
    )
    assert not unjustified, "\n".join(unjustified[:10])
    assert loaded > 800


def test_runtime_rule_rates_on_the_corpus_stay_under_their_ceilings() -> None:
    files = sorted(path for path in require_shared("corpus/compose").rglob("*") if path.is_file())
    rules = runtime_rules()
    fired: collections.Counter[str] = collections.Counter()
    for path in files:
        results = lint_runtime_group((path,), rules, Settings())
        fired.update({d.code for result in results for d in result.diagnostics})
    rates = {rule.code: fired[rule.code] / len(files) for rule in rules}
    SUMMARY_LINES.extend(
        f"  {rule.code} {rule.name:<36} {rates[rule.code]:6.1%} of Compose files   "
        f"(ceiling {CEILINGS.get(rule.code, (DEFAULT_CEILING, ''))[0]:.0%})"
        for rule in rules
    )
    over = [
        f"{code} {rate:.1%}"
        for code, rate in rates.items()
        if rate > CEILINGS.get(code, (DEFAULT_CEILING, ""))[0]
    ]
    assert not over, f"runtime rules above their corpus ceiling (narrow them or make them opt-in): {over}"
    assert rates["DW732"] == 0.0  # a restart policy acts on health only under Swarm
    for ceiling, reason in CEILINGS.values():
        assert DEFAULT_CEILING < ceiling <= 0.5
        assert reason
