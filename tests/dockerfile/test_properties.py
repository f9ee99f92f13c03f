"""Property-based tests: arbitrary text never escapes as anything but DockerfileSyntaxError, and whatever
parses renders back byte for byte and agrees with BuildKit's parser."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dockerfile
from dockwise.dockerfile import parse
from dockwise.errors import DockerfileSyntaxError

#: Pieces that make Dockerfile-shaped text, so the generator reaches the parser's corners quickly.
FRAGMENTS = [
    "FROM", "from", "RUN", "COPY", "ADD", "ONBUILD", "ENV", "LABEL", "ARG", "CMD", "ENTRYPOINT",
    "HEALTHCHECK", "SHELL", "EXPOSE", "USER", "VOLUME", "WORKDIR", "STOPSIGNAL", "MAINTAINER",
    " ", "\t", "\n", "\r\n", "\r", "\\", "\\\n", "`", "#", "# escape=`\n", "# syntax=x\n",
    "<<EOF", "<<-EOF", "EOF", "\tEOF", "<<'E'", "E", "'", '"', "[", "]", '["a"]', "[1]", "$a", "${a}",
    "${a:-b}", "=", "a", "b=c", "--mount=type=cache,target=/x", "--from=b", "--", "-", "\ufeff", "NONE",
    "2<<EOF", "é", "\n\n", "#c\n",
]  # fmt: skip

dockerfile_like = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)
any_text = st.text(max_size=300)


def parse_or_none(text: str) -> object:
    try:
        return parse(text)
    except DockerfileSyntaxError as error:
        assert error.line >= 1
        assert error.column >= 1
        assert error.message
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(dockerfile_like, any_text, dockerfile_like.map(lambda t: "FROM a\n" + t)))
def test_arbitrary_text_parses_losslessly_or_raises_a_syntax_error(text: str) -> None:
    result = parse_or_none(text)
    if result is not None:
        assert result.render() == text  # type: ignore[attr-defined]


@settings(max_examples=400, deadline=None)
@given(dockerfile_like.map(lambda t: "FROM a\n" + t))
def test_parsed_text_agrees_with_buildkit(text: str) -> None:
    try:
        theirs = dockerfile.parse_string(text)
    except Exception:
        theirs = None
    try:
        ours = parse(text)
    except DockerfileSyntaxError as error:
        if "unknown instruction" in error.message or "instruction is empty" in error.message:
            return  # BuildKit's parser keeps unknown instructions; its build step rejects them
        assert theirs is None, f"dockwise rejected what BuildKit accepts: {error}"
        return
    assert theirs is not None, "dockwise accepted what BuildKit rejects"
    ours_view = [
        # BuildKit extracts flags byte by byte, turning non-ASCII flag text into Latin-1 mojibake;
        # dockwise keeps the text as written, so compare in BuildKit's terms.
        (
            i.keyword,
            i.start_line,
            i.end_line,
            i.is_exec_form,
            tuple(f.encode().decode("latin-1") for f in i.flags),
        )
        for i in ours.instructions
    ]
    theirs_view = [(c.cmd.upper(), c.start_line, c.end_line, c.json, tuple(c.flags)) for c in theirs]
    assert ours_view == theirs_view


word_text = st.lists(
    st.sampled_from(["a", "b", " ", "\t", "'", '"', "\\", "`", "=", "x y", "\u3000", "é"]), max_size=14
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(word_text, st.sampled_from(["\\", "`"]))
def test_word_splitting_fast_path_matches_the_character_loop(text: str, escape: str) -> None:
    from dockwise.dockerfile.parser import _words_by_loop, _words_by_pattern

    fast = _words_by_pattern(text, escape)
    if fast is not None:
        assert fast == _words_by_loop(text, escape)
