"""Regenerate docs/rules/ from the rules' metadata and docstrings: python scripts/gen_rule_docs.py"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "src"))

from dockwise.rules import all_rules  # noqa: E402 - after making src importable
from dockwise.rules.docs import write_docs  # noqa: E402


def main() -> int:
    written = write_docs(REPO_ROOT / "docs" / "rules", all_rules())
    print(f"wrote {len(written)} files to docs/rules/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
