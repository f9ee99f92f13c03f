"""RUN bodies read with tree-sitter-bash: commands, static words, positions, heredocs, other shells."""

from __future__ import annotations

from dockwise.dockerfile import Instruction, parse
from dockwise.dockerfile.shell import ShellCommand, command_fact, commands_of, pipelines_of, set_options


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


def test_builtins_with_nodes_of_their_own_are_commands() -> None:
    _, run = run_of("""RUN export A=1 B="$x" C && unset D; local E='q'\n""")
    commands = commands_of(run)
    assert [c.name for c in commands] == ["export", "unset", "local"]
    assert [w.value for w in commands[0].arguments] == ["A=1", None, "C"]
    assert commands[2].values() == ["E=q"]


def test_braces_after_negation_are_not_command_names() -> None:
    # tree-sitter-bash parses `! { a | b; }` as a command named `{` and a command `}`.
    text, run = run_of("""RUN ! { ldd /x.so | grep 'not found'; }\n""")
    commands = commands_of(run)
    assert [c.name for c in commands] == ["ldd", "grep"]
    assert text[commands[0].range.start : commands[0].range.end] == "ldd /x.so"


def test_set_options() -> None:
    assert set_options(["-euxo", "pipefail"]) == {"errexit", "nounset", "xtrace", "pipefail"}
    assert set_options(["-o", "errexit", "-o", "pipefail"]) == {"errexit", "pipefail"}
    assert set_options(["+o", "pipefail", "+e"], frozenset({"pipefail", "errexit", "xtrace"})) == {"xtrace"}
    # a shell's command line: `-c` is no option and its argument ends the scan
    assert set_options(["-o", "pipefail", "-c", "set -e"]) == {"pipefail"}
    assert set_options(["--login", "-e", "--", "-u"]) == {"errexit"}
    assert set_options([None, "-e"]) == frozenset()


def test_pipelines_flatten_redirections_and_keep_compound_stages() -> None:
    text, run = run_of("RUN a | b 2>&1 |& c && (cd src && make) | tee log; d\n")
    first, second = pipelines_of(run)
    assert [[c.name for c in stage] for stage in first.stages] == [["a"], ["b"], ["c"]]
    assert text[first.range.start : first.range.end] == "a | b 2>&1 |& c"
    assert [[c.name for c in stage] for stage in second.stages] == [["cd", "make"], ["tee"]]
    _, exec_form = run_of('RUN ["sh", "-c", "a | b"]\n')
    assert pipelines_of(exec_form) == ()


def test_pipefail_from_set_follows_the_script_order_and_scopes() -> None:
    _, run = run_of(
        "RUN a | b; set -euo pipefail; c | d; (set +o pipefail; e | f); g | h; set +o pipefail; i | j\n"
    )
    assert [p.pipefail for p in pipelines_of(run)] == [False, True, False, True, False]
    assert pipelines_of(run)[1].options == {"errexit", "nounset", "pipefail"}
    _, substitution = run_of('RUN x="$(set -o pipefail)"; a | b\n')
    assert not pipelines_of(substitution)[0].pipefail


def test_pipefail_from_the_shell_a_script_starts_with() -> None:
    _, run = run_of("RUN a | b\n")
    assert pipelines_of(run, ("/bin/bash", "-o", "pipefail", "-c"))[0].pipefail
    assert not pipelines_of(run)[0].pipefail
    _, heredoc = run_of("RUN <<EOF\na | b\nEOF\n")
    assert pipelines_of(heredoc, ("/bin/bash", "-eo", "pipefail", "-c"))[0].pipefail
    _, fed = run_of("RUN bash -o pipefail <<EOF\na | b\nEOF\n")
    assert pipelines_of(fed)[0].pipefail
    _, shebang = run_of("RUN <<EOF\n#!/bin/bash -eo pipefail\na | b\nEOF\n")
    assert pipelines_of(shebang)[0].pipefail
    # a heredoc fed to a new shell does not inherit the SHELL's options
    _, new_shell = run_of("RUN sh <<EOF\na | b\nEOF\n")
    assert not pipelines_of(new_shell, ("/bin/bash", "-o", "pipefail", "-c"))[0].pipefail


def test_a_command_fact_is_worked_out_once_per_command_text_and_sees_only_words() -> None:
    calls: list[str] = []

    @command_fact
    def first_value(command: ShellCommand, suffix: str = "") -> str:
        calls.append(command.name or "")
        return command.values()[0] + suffix

    text = "FROM debian:12\nRUN apt-get install -y curl\nRUN apt-get install -y curl\nRUN pip install x\n"
    runs = [i for i in parse(text).instructions if i.keyword == "RUN"]
    again = [
        i for i in parse(text.replace("FROM", "# a new first line\nFROM")).instructions if i.keyword == "RUN"
    ]
    commands = [commands_of(run)[0] for run in (*runs, *again)]
    assert [first_value(c) for c in commands] == ["install"] * 6
    # once for the apt-get text (two RUNs, two parses: one cached script) and once for pip
    assert calls == ["apt-get", "pip"]
    assert first_value(commands[0], "!") == "install!"
    assert first_value(commands[3], "!") == "install!"
    assert calls == ["apt-get", "pip", "apt-get"]
    assert first_value(commands[0], suffix="!") == "install!"  # given by name: a key of its own
    assert calls == ["apt-get", "pip", "apt-get", "apt-get"]
    # the positions stay each command's own: a fact never carries them
    assert len({c.range for c in commands[:2]}) == 2
    assert commands[0].range != commands[3].range
    # a command made from words, not a parse, keeps its facts to itself
    made = ShellCommand(commands[0].words, commands[0].range)
    assert first_value(made) == "install"
    assert len(calls) == 5


def test_words_of_a_parsed_command_are_made_when_first_asked_and_located() -> None:
    text, run = run_of("RUN cd /src && make install\n")
    cd, make = commands_of(run)
    assert make._words is None
    assert make.name == "make"
    assert make.values() == ["install"]
    assert make._words is None  # name and values come with the parse
    assert [w.text for w in make.words] == ["make", "install"]
    assert text[make.words[1].range.start : make.words[1].range.end] == "install"
    assert make == ShellCommand(make.words, make.range)
    assert cd != make
