"""BuildKit's variable expansion and word splitting, one case per form."""

from __future__ import annotations

import pytest

from dockwise.dockerfile.lexer import ExpansionError, Lexer, expand, trim_pattern

ENV = {"a": "value", "empty": "", "path": "/usr/local/bin/app.tar.gz", "ver": "1.2.3"}

EXPANSIONS = [
    ("$a", "value"),
    ("${a}", "value"),
    ("pre-${a}-post", "pre-value-post"),
    ("$unset", ""),
    ("${unset:-default}", "default"),
    ("${empty:-default}", "default"),
    ("${empty-default}", ""),
    ("${unset-default}", "default"),
    ("${a:-default}", "value"),
    ("${a:+alt}", "alt"),
    ("${empty:+alt}", ""),
    ("${empty+alt}", "alt"),
    ("${unset+alt}", ""),
    ("${path#*/}", "usr/local/bin/app.tar.gz"),
    ("${path##*/}", "app.tar.gz"),
    ("${path%.*}", "/usr/local/bin/app.tar"),
    ("${path%%.*}", "/usr/local/bin/app"),
    ("${ver/./-}", "1-2.3"),
    ("${ver//./-}", "1-2-3"),
    ("${path/#\\/usr/opt}", "/usr/local/bin/app.tar.gz"),
    ("\\$a", "$a"),
    ("'$a'", "$a"),
    ('"$a"', "value"),
    ('"\\$a"', "$a"),
    ('"a\\b"', "a\\b"),
    ("$", "$"),
    ("$1", ""),
    ("${a:-${ver}}", "value"),
    ("${unset:-${ver}}", "1.2.3"),
]


@pytest.mark.parametrize(("word", "expected"), EXPANSIONS)
def test_expansion_matches_buildkit(word: str, expected: str) -> None:
    assert expand(word, ENV) == expected


def test_required_variables_are_named_in_the_error() -> None:
    with pytest.raises(ExpansionError) as caught:
        expand("${TOKEN:?pass --build-arg TOKEN}", ENV)
    assert caught.value.required == "TOKEN"
    with pytest.raises(ExpansionError) as other:
        expand("${}", ENV)
    assert other.value.required is None


def test_backtick_escape_character() -> None:
    assert expand("`$a", ENV, escape="`") == "$a"
    assert expand("c:\\dir\\$a", ENV, escape="`") == "c:\\dir\\value"


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("${a", "missing '}'"),
        ("${}", "bad substitution"),
        ("${:x}", "bad substitution"),
        ("${a:#x}", "unsupported modifier (:#)"),
        ("${a:%x}", "unsupported modifier (:%)"),
        ("${unset:?must be set}", "unset: must be set"),
        ("${unset?}", "unset: is not allowed to be unset"),
        ("${empty:?}", "empty: is not allowed to be empty"),
        ("'open", "single-quote"),
        ('"open', "double-quote"),
        ("${a/x", "missing '/'"),
    ],
)
def test_bad_forms_raise_expansion_errors(word: str, message: str) -> None:
    with pytest.raises(ExpansionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        expand(word, ENV)


def test_words_split_on_unquoted_whitespace_only() -> None:
    result = Lexer().process("a \"b c\" $a 'd e'", ENV)
    assert result.words == ("a", "b c", "value", "d e")


def test_expanded_values_are_split_but_quoted_ones_are_not() -> None:
    env = {"two": "x y"}
    assert Lexer().process("$two", env).words == ("x", "y")
    assert Lexer().process('"$two"', env).words == ("x y",)


def test_used_and_unset_variables_are_reported() -> None:
    result = Lexer().process("${a}/${missing:-x}", ENV)
    assert result.used == {"a", "missing"}
    assert result.unset == {"missing"}


def test_skip_unset_keeps_references_as_written() -> None:
    lexer = Lexer(skip_unset=True)
    assert lexer.process("${BASE}:${TAG:-latest}-$X", {}).text == "${BASE}:${TAG:-latest}-$X"


def test_raw_quotes_and_escapes_keep_the_characters() -> None:
    lexer = Lexer(raw_quotes=True, raw_escapes=True)
    assert lexer.process("<<'EOF' \\x", {}).words == ("<<'EOF'", "\\x")


@pytest.mark.parametrize(
    ("value", "pattern", "suffix", "longest", "expected"),
    [
        ("aXbXc", "*X", False, False, "bXc"),
        ("aXbXc", "*X", False, True, "c"),
        ("aXbXc", "X*", True, False, "aXb"),
        ("aXbXc", "X*", True, True, "a"),
        ("file.txt", "[a-f]*", False, False, "ile.txt"),
        ("file.txt", "nomatch", False, False, "file.txt"),
        ("v1.2", "v?", False, False, ".2"),
    ],
)
def test_trim_pattern(value: str, pattern: str, suffix: bool, longest: bool, expected: str) -> None:
    assert trim_pattern(value, pattern, suffix=suffix, longest=longest) == expected


def test_the_fast_path_for_plain_text_agrees_with_the_full_lexer() -> None:
    """Text without `$`, quotes or escapes skips the character loop: same text, same words."""
    import random

    from dockwise.dockerfile.lexer import GO_SPACE, Lexer, _State

    alphabet = [*"ab c=/:-._x", *GO_SPACE, "\u001c"]
    lexer = Lexer()
    generator = random.Random(7)
    for _ in range(5000):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 12)))
        fast = lexer.process(text, {})
        result, words = _State(lexer, text, {}).process_until(None, False)
        assert (fast.text, fast.words) == (result, tuple(words)), repr(text)
