"""Fuzzing the Dockerfile side: the parser, every rule (`--select ALL`) and `fix` (unsafe fixes included).

The property, for any text: parsing gives a tree that renders back byte for byte or a
`DockerfileSyntaxError`; linting gives diagnostics; fixing settles without a broken fix, and what it
writes still parses; each within a time bound. Inputs come from hypothesis (Dockerfile-shaped fragments,
chosen for the corners that broke before: quotes, escapes, substitutions, heredocs, pragmas) and from
mutations of the real Dockerfiles in `../shared/corpus` (a seeded random choice of files and edits).

The budget is small in CI; `DOCKWISE_FUZZ_EXAMPLES=5000` runs a long session locally. Inputs that found a
bug are kept under `seeds/dockerfile/` and replayed on every run.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockwise.diagnostics import Diagnostic
from dockwise.dockerfile import parse
from dockwise.errors import DockerfileSyntaxError
from dockwise.fix.engine import fix_text
from dockwise.lint import dockerfile_rules, lint_text
from dockwise.suppress import parse_selectors
from tests.conftest import corpus_dockerfiles, read_text

SEEDS = Path(__file__).parent / "seeds" / "dockerfile"
BUDGET = int(os.environ.get("DOCKWISE_FUZZ_EXAMPLES", "150"))
SECONDS_PER_INPUT = 10.0
"""Generous: every input here is small, and the bugs this guards against took minutes or never ended."""

_ALL_RULES = dockerfile_rules(parse_selectors(["ALL"]))
"""Every Dockerfile rule, opt-in ones included (`--select ALL`)."""


def _lint(text: str) -> list[Diagnostic]:
    return lint_text(text, "Dockerfile", _ALL_RULES)


def check_input(text: str) -> None:
    """The property every input must hold (see the module docstring)."""
    started = time.perf_counter()
    try:
        tree = parse(text)
    except DockerfileSyntaxError as error:
        assert error.line >= 1
        assert error.message
    else:
        assert tree.render() == text
    diagnostics = _lint(text)
    assert all(d.code.startswith(("DW", "SC")) for d in diagnostics)  # SC: ShellCheck's, through DW690
    outcome = fix_text(text, _lint, unsafe=True)  # FixDidNotConverge fails the test: fixes must settle
    assert outcome.broken == (), f"fixes that broke the parse: {outcome.broken}"
    if outcome.changed:
        parse(outcome.text)  # what fix writes parses (fix_text never writes text that does not)
    elapsed = time.perf_counter() - started
    assert elapsed < SECONDS_PER_INPUT, f"{elapsed:.1f} s for {len(text)} characters"


FRAGMENTS = [
    "FROM a", "FROM a AS b", "\n", " ", "\t", "\\\n", "\\", "'", '"', "`", "$(", ")", "${", "}", "$A",
    "${A:-", "${A:+x}", "=", "O'Reilly", "RUN ", "ENV ", "LABEL ", "ARG ", "COPY ", "ADD ", "ONBUILD ",
    "CMD ", "ENTRYPOINT ", "HEALTHCHECK ", "SHELL ", "USER ", "WORKDIR ", "EXPOSE ", "STOPSIGNAL ",
    '["a", "b"]', "[", "]", "apt-get update", "apt-get install -y curl", "&&", "||", "|", ";", "#",
    "# dockwise: ignore=DW101", "# hadolint ignore=DL3008", "# check=skip=all\n", "# escape=`\n",
    "<<EOF\n", "EOF\n", "--mount=type=cache,target=/var/lib/apt", "--from=b", "rm -rf /var/lib/apt/lists/*",
    "pip install x", "npm install", "apk add x", "curl -fsSL http://x | sh", "sudo ", "cd /x", "a=b",
]  # fmt: skip
dockerfile_like = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)


@settings(max_examples=BUDGET, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(dockerfile_like.map(lambda text: "FROM a\n" + text), dockerfile_like, st.text(max_size=200)))
def test_generated_dockerfiles(text: str) -> None:
    check_input(text)


_EDITS = ("'", '"', "\\", "`", "$(", "${", "\n", " ", "&&", "<<EOF", "#", "=", "[", "]", "\x00", "é")


def mutations(text: str, rng: random.Random, count: int) -> list[str]:
    """`count` variants of `text`: a character deleted or inserted, a slice duplicated or cut."""
    variants = []
    for _ in range(count):
        mutated = text
        for _ in range(rng.randint(1, 4)):
            where = rng.randint(0, len(mutated))
            choice = rng.random()
            if choice < 0.4:
                mutated = mutated[:where] + rng.choice(_EDITS) + mutated[where:]
            elif choice < 0.6:
                mutated = mutated[:where] + mutated[where + 1 :]
            elif choice < 0.8:
                end = min(len(mutated), where + rng.randint(1, 80))
                mutated = mutated[:end] + mutated[where:end] + mutated[end:]
            else:
                mutated = mutated[:where] + mutated[where + rng.randint(1, 200) :]
        variants.append(mutated)
    return variants


def test_mutated_corpus_dockerfiles() -> None:
    files = corpus_dockerfiles()
    rng = random.Random(int(os.environ.get("DOCKWISE_FUZZ_SEED", "13")))
    chosen = rng.sample(files, min(len(files), max(1, BUDGET // 3)))
    checked = 0
    for path in chosen:
        for variant in mutations(read_text(path), rng, 3):
            try:
                check_input(variant)
            except AssertionError as error:
                raise AssertionError(f"a mutation of {path.name}: {error}\n{variant!r}") from error
            checked += 1
    assert checked == 3 * len(chosen)


def _seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.Dockerfile"))


@pytest.mark.parametrize("seed", _seed_files(), ids=lambda path: path.stem)
def test_seeds_that_found_bugs(seed: Path) -> None:
    check_input(read_text(seed))


def test_seeds_are_there() -> None:
    """The seeds are replayed (a glob that found nothing would turn the test above into no test)."""
    assert len(_seed_files()) >= 5
