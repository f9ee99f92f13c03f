"""The shipped examples' proof (`scripts/prove_examples.py`) on the engine: each example's Dockerfile,
rewritten by `fix --multi-stage` onto the local runtime bases, keeps or improves every probe and is at least
80% smaller; its Compose service's learned profile is confirmed by a run and written by `fix --harden
--profile`; and each example's README shows such a proof."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from dockwise.engine.session import leftovers
from tests.engine.conftest import Engine, require_image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import prove_examples

pytestmark = pytest.mark.engine
MINIMUM_REDUCTION_PERCENT = 80.0


@pytest.mark.parametrize("name", sorted(prove_examples.SERVICES))
def test_the_example_is_rewritten_smaller_and_hardened_by_a_learned_profile(
    engine: Engine, tmp_path: Path, name: str
) -> None:
    require_image(engine, prove_examples.TOOLCHAIN)
    for base in prove_examples.RUNTIME_BASES:
        require_image(engine, base.split("=", 1)[1])
    proof = prove_examples.prove(prove_examples.EXAMPLES / name, tmp_path)
    compare = proof.compare
    assert compare["failed"] is False, proof.compare_text
    size = compare["size"]
    assert isinstance(size, dict)
    assert size["reduction_percent"] >= MINIMUM_REDUCTION_PERCENT, proof.compare_text
    differences = compare["differences"]
    assert isinstance(differences, list)
    assert not [d for d in differences if d["worse"]], proof.compare_text
    learned = proof.learn
    assert learned["works"], proof.learn_text
    assert learned["confirmed"], proof.learn_text
    assert "# dockwise: measured by verify --learn" in proof.harden_diff
    for run_id in (compare["original"]["run_id"], compare["rewritten"]["run_id"], learned["run_id"]):  # type: ignore[index]
        assert leftovers(engine.client, str(run_id)) == []


@pytest.mark.parametrize("name", sorted(prove_examples.SERVICES))
def test_each_example_readme_shows_its_proof(name: str) -> None:
    readme = (prove_examples.EXAMPLES / name / "README.md").read_text(encoding="utf-8")
    assert prove_examples.BEGIN in readme
    assert prove_examples.END in readme
    section = readme[readme.index(prove_examples.BEGIN) : readme.index(prove_examples.END)]
    reduction = re.search(r"`dockwise fix --multi-stage` \(([\d.]+)% smaller", section)
    assert reduction is not None
    assert float(reduction.group(1)) >= MINIMUM_REDUCTION_PERCENT
    assert "confirmed by a run with exactly this profile" in section
    assert "# dockwise: measured by verify --learn" in section
