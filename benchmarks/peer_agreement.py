"""How often dockwise agrees with the peers' own test suites, read from local checkouts of their repositories.

    python benchmarks/peer_agreement.py --hadolint DIR [--buildkit DIR] [--list-disagreements]

A case agrees when every peer code it is about fires in dockwise (through a rule carrying the code as an
alias) exactly when the peer's test expects it to. Cases the adapter could not read count as disagreements,
unless they are not about a Dockerfile rule at all (hadolint's ShellCheck and formatter assertions). The
differences dockwise keeps on purpose are listed in docs/rules/coverage.md (`PEER_DIFFERENCES` in
src/dockwise/rules/coverage.py); `--list-disagreements` marks them.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT / "src"))
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.peers import PeerCase, Verdict, judge  # noqa: E402


def _load(peer: str, checkout: Path) -> tuple[list[PeerCase], list[tuple[str, str, bool]]]:
    """The peer's cases and its skipped assertions as (source, reason, counts against agreement)."""
    if peer == "hadolint":
        from benchmarks.peers import hadolint

        found = hadolint.load_all(checkout)
        cases = [case for case in found if isinstance(case, PeerCase)]
        skipped = [(s.source, s.reason, s.rule_case) for s in found if isinstance(s, hadolint.Skipped)]
        return cases, skipped
    try:
        from benchmarks.peers import buildkit  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        raise SystemExit(
            "--buildkit: benchmarks/peers/buildkit.py is not in this checkout yet (another branch adds it)"
        ) from None
    loaded = buildkit.load_cases(checkout)
    skipped_cases = getattr(buildkit, "SKIPPED", [])
    return list(loaded), [(s.source, s.reason, getattr(s, "rule_case", True)) for s in skipped_cases]


def report(
    peer: str, verdicts: Sequence[Verdict], skipped: Sequence[tuple[str, str, bool]], listing: bool
) -> float:
    from dockwise.rules.coverage import documented_difference

    counted_skips = [s for s in skipped if s[2]]
    total = len(verdicts) + len(counted_skips)
    agreed = sum(1 for verdict in verdicts if verdict.agrees)
    share = 100 * agreed / total if total else 100.0
    print(f"{peer}: {agreed} of {total} cases agree ({share:.1f}%)")
    if skipped:
        print(f"  skipped {len(skipped)} assertions ({len(counted_skips)} count as disagreements):")
        reasons: dict[str, int] = defaultdict(int)
        for _, reason, counts in skipped:
            reasons[("" if counts else "[not a rule case] ") + reason] += 1
        for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
            print(f"    {count:4d}  {reason}")
    per_rule: dict[str, list[bool]] = defaultdict(list)
    for verdict in verdicts:
        for code in verdict.case.considered:
            per_rule[code].append(verdict.agrees)
    print("  per peer rule (agree/cases):")
    row = []
    for code in sorted(per_rule):
        results = per_rule[code]
        row.append(f"{code} {sum(results)}/{len(results)}")
    for start in range(0, len(row), 6):
        print("    " + "   ".join(f"{cell:<16}" for cell in row[start : start + 6]))
    disagreements = [verdict for verdict in verdicts if not verdict.agrees]
    documented = sum(1 for v in disagreements if documented_difference(peer, v.case.source) is not None)
    print(f"  disagreements: {len(disagreements)} ({documented} documented in docs/rules/coverage.md)")
    if listing:
        for verdict in disagreements:
            case = verdict.case
            expected = ",".join(sorted(case.expected)) or "-"
            fired = ",".join(sorted(verdict.fired)) or "-"
            note = documented_difference(peer, case.source)
            mark = f"  [documented: {note}]" if note else ""
            about = ",".join(sorted(case.considered))
            print(f"\n  {case.source} about {about}: expected {expected}, fired {fired}{mark}")
            for line in case.dockerfile.splitlines():
                print(f"      | {line}")
        for source, reason, _ in counted_skips:
            print(f"\n  {source}: skipped ({reason})")
    return share


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hadolint", type=Path, help="a checkout of hadolint/hadolint (its working tree)")
    parser.add_argument("--buildkit", type=Path, help="a checkout of moby/buildkit (its working tree)")
    parser.add_argument("--list-disagreements", action="store_true", help="print every disagreeing case")
    args = parser.parse_args(argv)
    peers = [
        (name, path) for name, path in (("hadolint", args.hadolint), ("buildkit", args.buildkit)) if path
    ]
    if not peers:
        parser.error("give --hadolint DIR and/or --buildkit DIR")
    for name, checkout in peers:
        if not checkout.is_dir():
            parser.error(f"--{name}: {checkout} is not a directory")
        try:
            cases, skipped = _load(name, checkout)
        except FileNotFoundError as error:
            parser.error(f"--{name}: {error}")
        verdicts = [judge(case) for case in cases]
        report(name, verdicts, skipped, args.list_disagreements)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
