"""Every Compose file of the corpus loads into RunSpecs, or fails for a reason the test names."""

from __future__ import annotations

import collections
import re

import pytest

from dockwise.rules.runtime._base import RunSpecContext
from dockwise.runspec.compose import ComposeError, load_compose
from dockwise.runtime_lint import runtime_rules
from tests.conftest import SUMMARY_LINES, require_shared

pytestmark = pytest.mark.corpus

#: Why a corpus file may fail: the corpus keeps single files, so a file another one `extends` or
#: `include`s is absent. (podman-compose's list form of `ulimits` is a schema problem, reported without
#: failing the file.)
JUSTIFIED = (re.compile(r"extends \S+, which does not exist"), re.compile(r"include \S+: no such file"))


def test_every_compose_file_loads_or_fails_for_a_named_reason() -> None:
    files = sorted(path for path in require_shared("corpus/compose").rglob("*") if path.is_file())
    loaded = services = with_problems = 0
    rules = runtime_rules()
    fired: collections.Counter[str] = collections.Counter()
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
        text = path.read_text(encoding="utf-8")
        codes: set[str] = set()
        for spec in project.services.values():
            context = RunSpecContext(spec, project.services, project.networks, "compose", text)
            codes.update(d.code for rule in rules for d in rule.check(context))
        fired.update(codes)
    SUMMARY_LINES.append(
        f"compose: {loaded} of {len(files)} corpus Compose files loaded ({services} services; "
        f"{with_problems} need a variable that is not set), {len(justified)} refused for a named reason"
    )
    SUMMARY_LINES.extend(
        f"  {rule.code} {rule.name:<34} {fired[rule.code] / loaded:6.1%} of Compose files" for rule in rules
    )
    assert not unjustified, "\n".join(unjustified[:10])
    assert loaded > 800
