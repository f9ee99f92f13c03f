"""docs/rules/ must be what the rules render today (regenerate with scripts/gen_rule_docs.py)."""

from __future__ import annotations

from dockwise.rules import all_rules
from dockwise.rules.docs import rendered_docs
from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs" / "rules"


def test_rule_docs_are_fresh() -> None:
    expected = rendered_docs(all_rules())
    committed = {path.name: path.read_text(encoding="utf-8") for path in DOCS.glob("*.md")}
    stale = sorted(
        name for name in expected.keys() | committed.keys() if expected.get(name) != committed.get(name)
    )
    assert not stale, f"docs/rules/ is stale ({', '.join(stale)}): run python scripts/gen_rule_docs.py"


def test_every_rule_page_has_the_documented_sections() -> None:
    for name, content in rendered_docs(all_rules()).items():
        if name not in ("README.md", "coverage.md"):
            for section in ("## Why is this bad?", "## Example", "## Use instead", "| corresponds to |"):
                assert section in content, f"{name} lacks {section}"
