"""Every regular expression dockwise compiles, fed long adversarial strings under a time bound.

A backtracking expression with nested or overlapping quantifiers (`(?:a|b)+` inside `(...)*`, or three
`\\s*` sharing the same blanks) takes exponential or high-polynomial time on a string that almost matches:
`LABEL x=O'Reilly` hung the parser for minutes. The expressions are collected as they are compiled (a hook on
`re._compile`, so those built at run time from names and escape characters are included) while dockwise
imports every module and lints the rule fixtures and the examples. Each is then attacked twice:

- regexploit (Doyensec's static ReDoS finder) names the repeated character and the prefix that make a
  cubic-or-worse expression backtrack; its example is run with every candidate final character;
- every expression also gets a generic set: runs of each character class boundary (blanks, quotes, escapes,
  word characters) followed by a character that ends a match, which catches what regexploit cannot parse.

Attacks run in a child process with a time limit, so an expression that still hangs fails the test instead
of hanging the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_COLLECT = textwrap.dedent(
    """
    import json, os, re, sys
    record = sys.argv[1]
    original = re._compile
    seen = set()

    def recording(pattern, flags):
        compiled = original(pattern, flags)
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename.startswith(os.path.dirname(re.__file__)):
            frame = frame.f_back
        if frame is None or os.sep + "dockwise" + os.sep not in frame.f_code.co_filename:
            return compiled  # the standard library's and other packages' own expressions
        text = pattern if isinstance(pattern, str) else pattern.decode("latin-1")
        key = (type(pattern).__name__, text, int(flags))
        if key not in seen:
            seen.add(key)
            with open(record, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(key) + "\\n")
        return compiled

    re._compile = recording
    import importlib, pkgutil
    import dockwise
    from dockwise.patterns import LazyPattern
    for info in pkgutil.walk_packages(dockwise.__path__, "dockwise."):
        if not info.name.endswith("__main__"):
            module = importlib.import_module(info.name)
            for value in vars(module).values():  # compiled on first use: compile them now
                if isinstance(value, LazyPattern):
                    value.compiled
    from dockwise.cli import main
    main(["lint", "--select", "ALL", "--exit-zero", "--format", "json", *sys.argv[2:]])
    """
)

_ATTACK = textwrap.dedent(
    """
    import json, re, sys, time
    size = int(sys.argv[1])
    for line in sys.stdin:
        kind, pattern, flags, attacks = json.loads(line)
        compiled = re.compile(pattern.encode("latin-1") if kind == "bytes" else pattern, flags)
        worst = 0.0
        for attack in attacks:
            text = attack[0] + attack[1] * size + attack[2]
            subject = text.encode("utf-8", "surrogatepass") if kind == "bytes" else text
            started = time.perf_counter()
            compiled.search(subject)
            compiled.fullmatch(subject)  # search stops at an empty match; a whole-text match cannot
            worst = max(worst, time.perf_counter() - started)
        print(json.dumps([pattern, worst]), flush=True)
    """
)

_GENERIC_REPEATS = (
    *(" ", "\t", "a", "0", "'", '"', "\\", "$", "{", "-", ".", "/", "=", ":"),
    *("a ", "a=", "\\ ", "'a", '"a'),
)
_GENERIC_KILLERS = ("\x00", "!", "\n", "'", '"', "\\", "a", " ")
_SIZE = 2000
_LIMIT_SECONDS = 1.0


def _collected(tmp_path: Path) -> list[tuple[str, str, int]]:
    record = tmp_path / "patterns.jsonl"
    inputs = [str(ROOT / "tests" / "rules"), str(ROOT / "examples")]
    subprocess.run(
        [sys.executable, "-c", _COLLECT, str(record), *inputs],
        check=True,
        capture_output=True,
        env={"DOCKWISE_JOBS": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=300,
    )
    rows = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    return [(kind, pattern, flags) for kind, pattern, flags in rows]


def _regexploit_attacks(pattern: str, flags: int) -> list[tuple[str, str, str]]:
    """Prefix, repeated text and final character for each cubic-or-worse backtracking regexploit finds."""
    from regexploit.ast.sre import SreOpParser
    from regexploit.redos import find

    try:
        found = find(SreOpParser().parse_sre(pattern, flags))
    except Exception:  # regexploit predates possessive quantifiers and some flags: the generic attacks remain
        return []
    attacks = []
    for redos in found:
        prefix = redos.example_prefix
        repeated = redos.repeated_character.example()
        attacks += [(prefix, repeated, killer) for killer in _GENERIC_KILLERS]
    return attacks


def _generic_attacks(prefix: str) -> list[tuple[str, str, str]]:
    return [(prefix, repeated, killer) for repeated in _GENERIC_REPEATS for killer in _GENERIC_KILLERS[:3]]


def test_patterns_are_collected_from_every_module(tmp_path: Path) -> None:
    patterns = {pattern for _, pattern, _ in _collected(tmp_path)}
    # Module-level ones and ones built at run time: the parser's word token for the default escape
    assert any("(?P<blank>" in pattern for pattern in patterns)
    assert any(pattern.startswith("#*\\s*(?P<tool>dockwise|hadolint)") for pattern in patterns)
    assert len(patterns) > 100
    assert not any("IronPython" in pattern for pattern in patterns)  # platform's, not ours


def test_no_expression_backtracks_on_adversarial_input(tmp_path: Path) -> None:
    pytest.importorskip("regexploit", reason="regexploit is a test extra (pip install -e '.[test]')")
    lines = []
    for kind, pattern, flags in _collected(tmp_path):
        attacks = _regexploit_attacks(pattern, flags & ~0x20) if kind == "str" else []  # minus re.UNICODE
        attacks += _generic_attacks("")
        lines.append(json.dumps([kind, pattern, flags, attacks]))
    try:
        result = subprocess.run(
            [sys.executable, "-c", _ATTACK, str(_SIZE)],
            input="\n".join(lines) + "\n",
            capture_output=True,
            check=False,
            text=True,
            timeout=240,
        )
    except subprocess.TimeoutExpired as expired:
        done = (expired.stdout or b"").decode() if isinstance(expired.stdout, bytes) else expired.stdout or ""
        hung = json.loads(lines[len(done.splitlines())])[1]
        pytest.fail(f"a regular expression did not finish on an adversarial string: {hung!r}")
    assert result.returncode == 0, result.stderr
    slow = [
        (pattern, round(seconds, 2))
        for pattern, seconds in map(json.loads, result.stdout.splitlines())
        if seconds > _LIMIT_SECONDS
    ]
    assert len(result.stdout.splitlines()) == len(lines)
    assert slow == []


def test_the_attacks_find_the_expressions_that_hung(tmp_path: Path) -> None:
    """The two expressions this audit replaced are caught by it (so a green run means something)."""
    pytest.importorskip("regexploit", reason="regexploit is a test extra (pip install -e '.[test]')")
    old_pragma = (
        r"^#*\s*(?P<tool>dockwise|hadolint)\s*(?::\s*)?(?P<scope>global\s+)?(?P<kind>ignore-file|ignore)\s*=\s*"
        r"(?P<codes>[\w.,\s-]+?)\s*$"
    )
    word = r"(?:[^ \t'\"\\]|\\.|\"(?:[^\"\\]|\\.)*\"|'[^']*')+"
    old_words = rf"[ \t]*(?:{word}[ \t]*)*"
    lines = [
        json.dumps(["str", old_pragma, 2, _regexploit_attacks(old_pragma, 2)]),
        json.dumps(["str", old_words, 16, _generic_attacks("a=O'Reilly")]),
    ]
    command = [sys.executable, "-c", _ATTACK, str(_SIZE)]
    for line in lines:
        with pytest.raises(subprocess.TimeoutExpired):
            subprocess.run(command, input=line + "\n", text=True, timeout=10, check=False)
