"""RUN bodies read with tree-sitter-bash: commands, static words, positions, heredocs, other shells."""

from __future__ import annotations

from dockwise.dockerfile import Instruction, parse
from dockwise.dockerfile.shell import commands_of


def run_of(text: str) -> tuple[str, Instruction]:
    full = "FROM debian:12\n" + text
    return full, next(i for i in parse(full).instructions if i.keyword == "RUN")


def test_commands_through_lists_pipes_subshells_and_continuations() -> None:
    text, run = run_of(
        "RUN apt-get update \\\n"
        "  # a comment line BuildKit drops\n"
        "  && apt-get install -y --no-install-recommends curl \\\n"
        "  && (cd /src && make) | tee build.log; FOO=1 pip install --no-cache-dir -r req.txt\n"
    )
    commands = commands_of(run)
    assert [c.name for c in commands] == ["apt-get", "apt-get", "cd", "make", "tee", "pip"]
    install = commands[1]
    assert install.values() == ["install", "-y", "--no-install-recommends", "curl"]
    word = install.arguments[2]
    assert text[word.range.start : word.range.end] == "--no-install-recommends"
    assert text[install.range.start : install.range.end] == "apt-get install -y --no-install-recommends curl"


def test_quotes_are_removed_and_expansions_are_dynamic() -> None:
    _, run = run_of("""RUN echo "a b" 'c $d' e\\ f "$HOME" ${X}/bin pre"$Y" "literal\\$"\n""")
    words = commands_of(run)[0].arguments
    assert [w.value for w in words] == ["a b", "c $d", "e f", None, None, None, "literal$"]


def test_text_inside_strings_and_comments_is_not_a_command() -> None:
    _, run = run_of("""RUN echo "apt-get install foo" # apt-get install bar\n""")
    assert [c.name for c in commands_of(run)] == ["echo"]


def test_heredoc_scripts_are_read_but_heredoc_data_is_not() -> None:
    text, run = run_of("RUN <<EOF\nset -e\napk add curl\nEOF\n")
    commands = commands_of(run)
    assert [c.name for c in commands] == ["set", "apk"]
    assert text[commands[1].range.start : commands[1].range.end] == "apk add curl"
    _, data = run_of("RUN cat <<EOF > /etc/motd\napk add curl\nEOF\n")
    assert [c.name for c in commands_of(data)] == ["cat"]
    _, python = run_of("RUN <<EOF\n#!/usr/bin/env python3\nprint('apk add')\nEOF\n")
    assert commands_of(python) == ()


def test_exec_form_and_other_shells() -> None:
    _, run = run_of('RUN ["/usr/bin/apk", "add", "--no-cache", "curl"]\n')
    (command,) = commands_of(run)
    assert command.name == "apk"
    assert command.values() == ["add", "--no-cache", "curl"]
    _, powershell = run_of("RUN Install-Package foo\n")
    assert commands_of(powershell, ("powershell", "-Command")) == ()


def test_non_ascii_text_keeps_character_offsets() -> None:
    text, run = run_of('RUN echo "héllo wörld" && apk add curl\n')
    apk = commands_of(run)[1]
    assert text[apk.range.start : apk.range.end] == "apk add curl"
