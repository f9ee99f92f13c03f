"""The peers' own test suites as cases dockwise is measured against (`benchmarks/peer_agreement.py`).

Each adapter module (`hadolint.py`, `buildkit.py`) reads a local checkout of the peer's repository, given on
the command line and never vendored, and returns `PeerCase`s: the Dockerfile a peer test lints, the peer
checks the test is about, and which of them the peer expects to fire. `judge` lints the case with dockwise,
counting a dockwise finding as the peer's when the rule carries the peer's code as an alias.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class PeerCase:
    peer: str
    """"hadolint" or "buildkit"."""
    source: str
    """Where the case is written in the peer's repository (`path:line`), for docs/rules/coverage.md."""
    dockerfile: str
    considered: frozenset[str]
    """The peer codes this case is about (hadolint: the rule under test; BuildKit: every check)."""
    expected: frozenset[str]
    """The peer codes the peer reports on this Dockerfile (a subset of `considered`)."""
    files: Mapping[str, str] = field(default_factory=dict)
    """Other files of the build context (`.dockerignore` ...), by relative path."""
    config: Mapping[str, object] = field(default_factory=dict)
    """dockwise settings the peer test configured (`trusted_registries`, `required_labels` ...)."""
    lines: Mapping[str, frozenset[int]] = field(default_factory=dict)
    """Where the peer reports a code, when its test says (1-based lines); then the lines must agree too."""


@dataclass(frozen=True)
class Verdict:
    case: PeerCase
    fired: Mapping[str, frozenset[int]]
    """Peer code -> lines of the dockwise findings that carry it, for the considered codes."""

    @property
    def agrees(self) -> bool:
        for code in self.case.considered:
            fired = code in self.fired
            if fired != (code in self.case.expected):
                return False
            expected_lines = self.case.lines.get(code)
            if fired and expected_lines and not expected_lines <= self.fired[code]:
                return False
        return True


#: Peer checks that a dockwise rule covers without carrying the code as an alias (see `COVERED_WITHOUT_ALIAS`
#: in dockwise.rules.coverage): the dockwise code and the words of its message that mean this peer check.
COVERED_BY_MESSAGE: dict[str, tuple[str, tuple[str, ...]]] = {
    "DL1000": ("DW001", ("",)),
    "DL3023": ("DW002", ("circular dependency",)),
    "DL3024": ("DW002", ("duplicate stage name",)),
    "DuplicateStageName": ("DW002", ("duplicate stage name",)),
    "DL3061": ("DW002", ("before the first FROM", "no FROM")),
    "WorkdirRelativePath": ("DW502", ("is relative",)),
}


def peer_codes(diagnostic: object) -> set[str]:
    """The peer codes a dockwise finding stands for: its rule's aliases, and the checks in
    `COVERED_BY_MESSAGE` that its message shows it is."""
    codes = set(getattr(diagnostic, "aliases", ()))
    code, message = getattr(diagnostic, "code", ""), getattr(diagnostic, "message", "")
    for peer, (ours, words) in COVERED_BY_MESSAGE.items():
        if code == ours and any(word in message for word in words):
            codes.add(peer)
    return codes


def judge(case: PeerCase) -> Verdict:
    """Lint the case with every dockwise rule (opt-in ones too) and map the findings to peer codes."""
    from dockwise.config import Settings
    from dockwise.lint import dockerfile_rules, lint_text_with
    from dockwise.suppress import parse_selectors

    rules = dockerfile_rules(select=parse_selectors(["ALL"]))
    settings = Settings(**dict(case.config))  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as context:
        root = Path(context)
        for name, text in case.files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        (root / "Dockerfile").write_text(case.dockerfile)
        diagnostics = lint_text_with(case.dockerfile, str(root / "Dockerfile"), rules, settings, root)
    fired: dict[str, set[int]] = {}
    for diagnostic in diagnostics:
        for code in peer_codes(diagnostic):
            if code in case.considered:
                fired.setdefault(code, set()).add(_line(case.dockerfile, diagnostic.location))
    return Verdict(case, {code: frozenset(lines) for code, lines in fired.items()})


def _line(text: str, location: object) -> int:
    """The 1-based line a finding starts on (0 when it has no span in the Dockerfile)."""
    span = getattr(location, "range", None)
    return text.count("\n", 0, span.start) + 1 if span is not None else 0
