"""The lossless parser: round trip, BuildKit's line counting, instruction attributes and clear errors."""

from __future__ import annotations

import pytest

from dockwise.dockerfile import Instruction, Trivia, parse
from dockwise.errors import DockerfileSyntaxError

ROUND_TRIP_CASES = {
    "plain": "FROM alpine:3.20\nRUN echo hi\n",
    "crlf": "FROM alpine\r\nRUN apk add \\\r\n    curl\r\n",
    "bom": '\ufeffFROM alpine\nCMD ["sh"]\n',
    "tabs and trailing blanks": "FROM alpine \t\n\tRUN\techo \t \n   \n",
    "no final newline": "FROM alpine\nCMD echo hi",
    "comment inside continuation": "FROM a\nRUN apt-get update \\\n  # why\n  && apt-get install -y x\n",
    "empty line inside continuation": "FROM a\nRUN echo a \\\n\n  b\n",
    "heredoc": "FROM a\nRUN <<EOF\nset -e\necho hi\nEOF\nCOPY <<-'CFG' /etc/x\n\tkey=1\n\tCFG\n",
    "backtick escape": "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir `\n    c:\\\n",
    "only comments around": "# leading\n\nFROM a\n# trailing\n\n\n",
    "backslash trailing whitespace": "FROM a\nRUN echo \\  \n  b\n",
    "lone carriage returns": "FROM a\rRUN x\n",
}


@pytest.mark.parametrize("text", ROUND_TRIP_CASES.values(), ids=ROUND_TRIP_CASES.keys())
def test_render_gives_back_the_input_byte_for_byte(text: str) -> None:
    dockerfile = parse(text)
    assert dockerfile.render() == text


@pytest.mark.parametrize("text", ROUND_TRIP_CASES.values(), ids=ROUND_TRIP_CASES.keys())
def test_nodes_tile_the_text_without_gaps_or_overlaps(text: str) -> None:
    nodes = parse(text).nodes
    position = 0
    for node in nodes:
        assert node.source_range.start == position
        position = node.source_range.end
    assert position == len(text)


def only(text: str, keyword: str) -> Instruction:
    matches = [i for i in parse(text).instructions if i.keyword == keyword]
    assert len(matches) == 1
    return matches[0]


def test_lines_are_counted_as_buildkit_counts_them() -> None:
    text = "# c\nFROM a\n\nRUN one \\\n  # inner comment\n\n  two\nCMD x\n"
    dockerfile = parse(text)
    spans = [(i.keyword, i.start_line, i.end_line) for i in dockerfile.instructions]
    assert spans == [("FROM", 2, 2), ("RUN", 4, 7), ("CMD", 8, 8)]
    run = dockerfile.instructions[1]
    assert run.line == "RUN one   two"
    assert run.arguments == ("one   two",)


def test_heredoc_bodies_belong_to_their_instruction() -> None:
    text = "FROM a\nRUN <<EOF cat && <<-TWO cat\nx\nEOF\n\tyy\n\tTWO\nCMD done\n"
    run = only(text, "RUN")
    assert (run.start_line, run.end_line) == (2, 6)
    assert [(h.name, h.content, h.strip_tabs) for h in run.heredocs] == [
        ("EOF", "x\n", False),
        ("TWO", "\tyy\n", True),
    ]
    assert run.heredocs[1].effective_content == "yy\n"
    assert text[run.heredocs[0].body_range.start : run.heredocs[0].body_range.end] == "x\nEOF"


def test_quoted_heredoc_marker_turns_off_expansion() -> None:
    copy = only("FROM a\nCOPY <<'EOF' /etc/motd\n$HOME\nEOF\n", "COPY")
    assert copy.heredocs[0].name == "EOF"
    assert copy.heredocs[0].expand is False
    run = only("FROM a\nRUN 3<<EOF cat\nx\nEOF\n", "RUN")
    assert run.heredocs[0].expand is True
    assert run.heredocs[0].file_descriptor == 3


def test_heredoc_markers_are_not_read_in_exec_form_or_other_instructions() -> None:
    dockerfile = parse('FROM a\nRUN ["cat", "<<EOF"]\nENV A="<<EOF"\nLABEL x=1\n')
    assert all(not i.heredocs for i in dockerfile.instructions)
    assert [i.end_line for i in dockerfile.instructions] == [1, 2, 3, 4]


def test_keyword_is_upper_case_and_keeps_what_was_written() -> None:
    run = only("from a\nrun echo\n", "RUN")
    assert run.keyword_as_written == "run"
    assert run.start_column == 1


def test_column_spans_point_at_the_keyword_and_past_the_last_character() -> None:
    text = "FROM a\n  RUN echo \\\n    done\n"
    run = only(text, "RUN")
    assert (run.start_line, run.start_column) == (2, 3)
    assert (run.end_line, run.end_column) == (3, 9)
    assert text[run.range.start : run.range.end] == "RUN echo \\\n    done"
    assert text[run.keyword_range.start : run.keyword_range.end] == "RUN"


def test_flags_are_raw_strings_and_parsed_values() -> None:
    text = (
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "RUN --mount=type=cache,target=/root/.cache/go-build,sharing=locked "
        "--mount=type=secret,id=npmrc --network=none go build\n"
        "COPY --from=build --chown=1000:1000 --chmod=0755 --link /out /app\n"
        'ADD --checksum=sha256:abc --keep-git-dir=true --exclude=*.md --exclude="a b" src /dst\n'
        "COPY --parents ./a/**/b /c/\n"
    )
    dockerfile = parse(text)
    from_, run, copy, add, copy_parents = dockerfile.instructions
    assert from_.flags == ("--platform=$BUILDPLATFORM",)
    assert from_.parsed_flags.platform == "$BUILDPLATFORM"
    assert run.flags == (
        "--mount=type=cache,target=/root/.cache/go-build,sharing=locked",
        "--mount=type=secret,id=npmrc",
        "--network=none",
    )
    cache, secret = run.mounts
    assert (cache.type, cache.target, cache.sharing) == ("cache", "/root/.cache/go-build", "locked")
    assert (secret.type, secret.id, secret.target) == ("secret", "npmrc", "/run/secrets/npmrc")
    assert run.parsed_flags.network == "none"
    assert run.arguments == ("go build",)
    flags = copy.parsed_flags
    assert (flags.from_, flags.chown, flags.chmod, flags.link) == ("build", "1000:1000", "0755", True)
    assert copy.arguments == ("/out", "/app")
    add_flags = add.parsed_flags
    assert add_flags.checksum == "sha256:abc"
    assert add_flags.keep_git_dir is True
    assert add_flags.exclude == ("*.md", "a b")
    assert copy_parents.parsed_flags.parents is True
    assert not any(i.parsed_flags.problems for i in dockerfile.instructions)
    assert text[run.flag_ranges[2].start : run.flag_ranges[2].end] == "--network=none"


def test_flag_problems_are_reported_not_raised() -> None:
    run = only("FROM a\nRUN --mount=type=cache --netwrk=host --mount=type=nope,target=/x echo\n", "RUN")
    messages = [problem.message for problem in run.parsed_flags.problems]
    assert "unknown flag: netwrk" in messages
    assert "unsupported mount type 'nope'" in messages
    copy = only("FROM a\nCOPY --link=maybe --from=a --from=b x y\n", "COPY")
    messages = [problem.message for problem in copy.parsed_flags.problems]
    assert "expecting boolean value for flag link, not: maybe" in messages
    assert "duplicate flag specified: from" in messages


def test_exec_form_is_json_only() -> None:
    dockerfile = parse(
        'FROM a\nCMD ["nginx", "-g", "daemon off;"]\nENTRYPOINT [\'sh\']\nRUN [ -f x ]\n'
        'CMD ["app"] # trailing text after the array\nHEALTHCHECK --interval=5s CMD ["curl", "-f", "x"]\n'
    )
    cmd, entrypoint, run, cmd2, healthcheck = dockerfile.instructions[1:]
    assert cmd.is_exec_form
    assert cmd.arguments == ("nginx", "-g", "daemon off;")
    assert not entrypoint.is_exec_form
    assert entrypoint.arguments == ("['sh']",)
    assert not run.is_exec_form
    assert run.arguments == ("[ -f x ]",)
    assert cmd2.is_exec_form
    assert cmd2.arguments == ("app",)
    assert healthcheck.is_exec_form
    assert healthcheck.arguments == ("CMD", "curl", "-f", "x")


def test_onbuild_exposes_its_inner_instruction() -> None:
    onbuild = only("FROM a\nONBUILD COPY --from=b --chown=1 . /app\n", "ONBUILD")
    inner = onbuild.onbuild
    assert inner is not None
    assert inner.keyword == "COPY"
    assert inner.flags == ("--from=b", "--chown=1")
    assert inner.arguments == (".", "/app")
    assert onbuild.arguments == (".", "/app")
    assert [i.keyword for i in onbuild.walk()] == ["ONBUILD", "COPY"]
    with_heredoc = only("FROM a\nONBUILD RUN <<EOF\necho\nEOF\n", "ONBUILD")
    assert with_heredoc.end_line == 4
    assert with_heredoc.heredocs[0].content == "echo\n"


def test_env_and_label_give_name_value_pairs() -> None:
    dockerfile = parse('FROM a\nENV A=1 B="two words"\nENV LEGACY some value\nLABEL a.b=c\nARG X=1 Y\n')
    env, legacy, label, arg = dockerfile.instructions[1:]
    assert env.arguments == ("A", "1", "B", '"two words"')
    assert legacy.arguments == ("LEGACY", "some value")
    assert label.arguments == ("a.b", "c")
    assert arg.arguments == ("X=1", "Y")


@pytest.mark.parametrize(
    "value",
    [
        "O'Reilly" + "a" * 60_000,  # an unclosed quote: the old expression doubled its time per character
        '"open' + "b c " * 14_000 + "d",
        "x\\ " * 20_000 + "'y",  # escaped blanks, then an unclosed quote
        "'a'\"b\"" * 8_000 + "'",
    ],
)
def test_words_take_linear_time_on_unclosed_quotes_and_trailing_escapes(value: str) -> None:
    import time

    started = time.perf_counter()
    label = parse(f"FROM alpine\nLABEL org.opencontainers.image.authors={value}\n").instructions[1]
    assert time.perf_counter() - started < 5  # the old expression did not finish 30 characters in a minute
    assert label.arguments[0] == "org.opencontainers.image.authors"
    assert label.arguments[1] == value  # BuildKit keeps an unclosed quote and a trailing escape as written


def test_env_words_with_quotes_are_unchanged_by_the_linear_scan() -> None:
    dockerfile = parse("FROM a\nENV A='x y' B=\"p \\\" q\" C=a\\ b D=O'Reilly\n")
    assert dockerfile.instructions[1].arguments == (
        *("A", "'x y'", "B", '"p \\" q"'),
        *("C", "a\\ b", "D", "O'Reilly"),
    )


def test_parser_directives() -> None:
    text = (
        "# syntax=docker/dockerfile:1.7\n#escape = `\n# check=skip=JSONArgsRecommended;error=true\nFROM a\n"
    )
    dockerfile = parse(text)
    directives = dockerfile.directives
    assert directives.syntax == "docker/dockerfile:1.7"
    assert directives.escape == "`"
    assert directives.check == "skip=JSONArgsRecommended;error=true"
    assert [d.line for d in directives.all] == [1, 2, 3]
    assert [n.kind for n in dockerfile.nodes if isinstance(n, Trivia)] == ["directive"] * 3


def test_directives_stop_at_the_first_other_line() -> None:
    dockerfile = parse("# a comment\n# escape=`\nFROM a\nRUN echo \\\n  b\n")
    assert dockerfile.directives.escape == "\\"
    assert dockerfile.instructions[1].end_line == 5


def test_escaped_escape_at_end_of_line_does_not_continue() -> None:
    dockerfile = parse("FROM a\nENV C trailing\\\\\nENV D next\n")
    assert [(i.keyword, i.start_line, i.end_line) for i in dockerfile.instructions] == [
        ("FROM", 1, 1),
        ("ENV", 2, 2),
        ("ENV", 3, 3),
    ]


ERROR_CASES = {
    "unterminated heredoc": ("FROM a\nRUN <<EOF\necho\n", 2, "unterminated heredoc"),
    "non-string JSON": ("FROM a\nCMD [1, 2]\n", 2, "arrays must be comprised of strings only"),
    "ENV without value": ("FROM a\nENV ONLY\n", 2, "ENV must have two arguments"),
    "LABEL without =": ("FROM a\nLABEL a=b c\n", 2, 'can\'t find = in "c"'),
    "unknown instruction": ("FROM a\nRUNN echo\n", 2, "unknown instruction: RUNN (did you mean run?)"),
    "no instructions": ("# only a comment\n\n", 2, "file with no instructions"),
    "empty file": ("", 1, "file with no instructions"),
    "bad escape": ("# escape=x\nFROM a\n", 1, "invalid escape token 'x'"),
    "duplicate directive": ("# syntax=a\n# syntax=b\nFROM a\n", 2, "only one syntax parser directive"),
    "line too long": ("FROM a\nRUN " + "x" * 70000 + "\n", 2, "longer than BuildKit's limit"),
}


@pytest.mark.parametrize(("text", "line", "message"), ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_malformed_input_raises_a_located_syntax_error(text: str, line: int, message: str) -> None:
    with pytest.raises(DockerfileSyntaxError) as caught:
        parse(text, "app/Dockerfile")
    error = caught.value
    assert message in error.message
    assert error.path == "app/Dockerfile"
    assert error.line == line
    assert error.column >= 1
    assert str(error).startswith(f"app/Dockerfile:{line}:")


def test_syntax_error_column_points_at_the_instruction() -> None:
    with pytest.raises(DockerfileSyntaxError) as caught:
        parse("FROM a\n    CMD [1]\n")
    assert (caught.value.line, caught.value.column) == (2, 5)


def test_instruction_at_line_finds_multi_line_instructions() -> None:
    dockerfile = parse("FROM a\nRUN a \\\n  b\n\nCMD c\n")
    found = dockerfile.instruction_at_line(3)
    assert found is not None
    assert found.keyword == "RUN"
    assert dockerfile.instruction_at_line(4) is None


def test_locate_finds_text_in_the_arguments_across_continuation_lines() -> None:
    text = "FROM x\nLABEL a=1 \\\n      b=2\n"
    label = parse(text).instructions[1]
    found = label.locate("b")
    assert text[found.start : found.end] == "b"
    assert text[found.start - 6 : found.start] == "      "
    assert label.locate("missing") == label.arguments_range


def test_parser_directives_are_not_among_the_comments_above_the_first_instruction() -> None:
    """BuildKit strips them, so a `# check=` directive is not read again as a comment on the FROM."""
    dockerfile = parse("# syntax=docker/dockerfile:1\n# check=skip=all\n# the base\nFROM alpine:3.20\n")
    assert dockerfile.instructions[0].comments == ("the base",)
    assert dockerfile.directives.check == "skip=all"
