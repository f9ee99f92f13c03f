"""The `dockwise` command end to end: output, exit status, unreadable files, formats."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dockwise.cli import main

GOOD = "FROM alpine:3.20\nRUN echo hi\n"
UNTERMINATED = "FROM alpine:3.20\nRUN <<EOF\necho hi\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_clean_file_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = write(tmp_path / "Dockerfile", GOOD)
    status, out, err = run(capsys, "lint", str(dockerfile))
    assert status == 0
    assert out == "0 findings in 1 file.\n"
    assert err == ""


def test_syntax_error_is_a_diagnostic_with_source_line_and_caret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dockerfile = write(tmp_path / "Dockerfile", UNTERMINATED)
    status, out, _ = run(capsys, "lint", str(dockerfile))
    assert status == 1
    assert out.splitlines() == [
        f"{dockerfile}:2:1: DW001 [error] unterminated heredoc 'EOF'",
        "     2 | RUN <<EOF",
        "       | ^",
        "1 finding in 1 file.",
    ]


def test_build_problems_are_reported_with_their_instruction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dockerfile = write(tmp_path / "Dockerfile", "FROM alpine:3.20\n  RUN --netwrk=host echo\n")
    status, out, _ = run(capsys, "lint", str(dockerfile))
    assert status == 1
    lines = out.splitlines()
    assert lines[0] == f"{dockerfile}:2:3: DW002 [error] unknown flag: netwrk (--netwrk=host)"
    assert lines[2] == "       |   " + "^" * len("RUN --netwrk=host echo")


def test_directory_search_lints_every_dockerfile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "api" / "Dockerfile", GOOD)
    write(tmp_path / "worker" / "Containerfile", UNTERMINATED)
    write(tmp_path / "docs" / "notes.md", "FROM not a dockerfile")
    status, out, _ = run(capsys, "lint", str(tmp_path))
    assert status == 1
    assert "Containerfile:2:1: DW001" in out
    assert out.endswith("1 finding in 2 files.\n")


def test_unreadable_files_are_one_message_and_the_others_are_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "a" / "Dockerfile"
    bad.parent.mkdir()
    bad.write_bytes(b"FROM alpine\nRUN echo \xff\xfe\n")
    write(tmp_path / "b" / "Dockerfile", UNTERMINATED)
    status, out, err = run(capsys, "lint", str(tmp_path), str(tmp_path / "missing"))
    assert status == 2
    assert "DW001" in out
    assert f"dockwise: error: {bad}: cannot decode as UTF-8 (byte 21): invalid start byte" in err
    assert "missing" in err
    assert "Traceback" not in err


def test_json_output_carries_every_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nCOPY --link=yes a /b\n")
    status, out, _ = run(capsys, "lint", "--format", "json", str(dockerfile))
    assert status == 1
    document = json.loads(out)
    assert document["files_checked"] == 1
    assert document["errors"] == []
    (diagnostic,) = document["diagnostics"]
    assert diagnostic == {
        "code": "DW002",
        "rule": "invalid-build-instruction",
        "category": "syntax",
        "severity": "error",
        "message": "expecting boolean value for flag link, not: yes (--link=yes)",
        "path": str(dockerfile),
        "line": 2,
        "column": 1,
        "end_line": 2,
        "end_column": 21,
        "aliases": [],
        "fixable": None,
        "notes": [],
        "subject": None,
    }


def test_exit_zero_and_fail_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = write(tmp_path / "Dockerfile", UNTERMINATED)
    assert run(capsys, "lint", "--exit-zero", str(dockerfile))[0] == 0
    assert run(capsys, "lint", "--fail-on", "error", str(dockerfile))[0] == 1


def test_usage_errors_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint"]) == 2
    assert "give PATHs to check" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["lint", "--format", "yaml", "."])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_rules_lists_and_documents_rules(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "rules")
    assert status == 0
    assert out.splitlines()[0].split()[:5] == ["code", "name", "category", "severity", "fix"]
    assert out.splitlines()[1].startswith("DW001  invalid-syntax")
    status, out, _ = run(capsys, "rules", "--format", "json")
    assert {row["code"] for row in json.loads(out)} >= {"DW001", "DW002"}
    status, out, _ = run(capsys, "rule", "invalid-syntax")
    assert status == 0
    assert "## Why is this bad?" in out
    status, _, err = run(capsys, "rule", "DW999")
    assert status == 2
    assert "no rule called 'DW999'" in err


def test_dash_reads_the_dockerfile_from_standard_input() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "dockwise", "lint", "-"],
        input=UNTERMINATED.encode(),
        capture_output=True,
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stdout.decode().startswith("<stdin>:2:1: DW001 [error] unterminated heredoc 'EOF'")


def test_check_ends_with_a_summary_per_file_and_a_total(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "api" / "Dockerfile", "FROM node:latest\nMAINTAINER me\nUSER 1000\n")
    write(tmp_path / "db" / "Dockerfile", "FROM postgres:16\nUSER 999:999\n")
    write(tmp_path / "web" / "Dockerfile", UNTERMINATED)
    status, out, _ = run(capsys, "check", str(tmp_path))
    assert status == 1
    summary = out[out.index("Summary:") :].splitlines()
    width = len(str(tmp_path / "api" / "Dockerfile"))
    assert summary == [
        "Summary:",
        f"  {tmp_path / 'api' / 'Dockerfile'!s:<{width}}  2 warnings",
        f"  {tmp_path / 'db' / 'Dockerfile'!s:<{width}}  clean",
        f"  {tmp_path / 'web' / 'Dockerfile'!s:<{width}}  1 error",
        "Total: 3 files checked, 1 error, 2 warnings.",
    ]


def test_module_entry_point_runs(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile", GOOD)
    completed = subprocess.run(
        [sys.executable, "-m", "dockwise", "check", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == (
        f"0 findings in 1 file.\n\nSummary:\n  {dockerfile}  clean\nTotal: 1 file checked, clean.\n"
    )


def test_text_is_coloured_only_when_asked_or_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM node:latest\n", encoding="utf-8")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    main(["lint", "--select", "DW101", str(dockerfile)])
    plain = capsys.readouterr().out
    assert "\x1b[" not in plain
    main(["lint", "--select", "DW101", "--color", "always", str(dockerfile)])
    coloured = capsys.readouterr().out
    assert "\x1b[33mDW101\x1b[0m" in coloured, "the code is coloured by its severity (warning: yellow)"
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain, "colour changes nothing but the colour"
    monkeypatch.setenv("FORCE_COLOR", "1")
    main(["lint", "--select", "DW101", str(dockerfile)])
    assert "\x1b[" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    main(["lint", "--select", "DW101", str(dockerfile)])
    assert "\x1b[" not in capsys.readouterr().out


def test_a_file_over_the_size_cap_is_one_clear_error_and_the_others_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dockwise.limits import MAX_SOURCE_BYTES

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "Dockerfile").write_text("FROM a\n" + "RUN true\n" * (MAX_SOURCE_BYTES // 9 + 1))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "Dockerfile").write_text("FROM b\n")
    assert main(["lint", "--format", "json", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "too large" in captured.err
    assert "over the 1 MiB" in captured.err
    assert [d["path"].endswith("b/Dockerfile") for d in json.loads(captured.out)["diagnostics"]] == [True]


def test_stdin_over_the_size_cap_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    big = b"FROM a\n" + b"RUN true\n" * 200_000
    done = subprocess.run(
        [sys.executable, "-m", "dockwise", "lint", "-"],
        input=big,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert b"too large" in done.stderr
    assert b"Traceback" not in done.stderr


def test_lint_is_linear_in_the_number_of_runs(tmp_path: Path) -> None:
    """Each RUN looked for its SHELL by rescanning the stage: 35,000 RUNs (1 MB) took minutes."""
    import time

    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text('FROM a\nSHELL ["/bin/bash", "-c"]\n' + "RUN echo x\n" * 20_000)
    started = time.perf_counter()
    assert main(["lint", "--exit-zero", "--format", "json", "--select", "DW603", str(dockerfile)]) == 0
    assert time.perf_counter() - started < 20  # about 3 s now; the rescans alone took over a minute


def test_a_closed_pipe_ends_quietly_with_the_sigpipe_status(tmp_path: Path) -> None:
    """`dockwise check . | head` printed "internal error" (an unhandled BrokenPipeError)."""
    for index in range(300):
        folder = tmp_path / f"p{index}"
        folder.mkdir()
        (folder / "Dockerfile").write_text("FROM node:latest\nADD . /app\nRUN npm install\nCMD node app.js\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "dockwise", "check", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    assert process.stdout.read(10)
    process.stdout.close()  # what `head` does once it has its lines
    status = process.wait(timeout=120)
    errors = process.stderr.read().decode()
    assert "internal error" not in errors
    assert "Traceback" not in errors
    assert status == 141


def test_reading_a_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    """Opening a FIFO for reading blocks until a writer comes: it is refused on its file type first."""
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    code = "import sys; from pathlib import Path; from dockwise.lint import read_or_error; "
    code += "print(read_or_error(Path(sys.argv[1]))[1])"
    done = subprocess.run(
        [sys.executable, "-c", code, str(fifo)], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.strip() == "cannot read: not a regular file"


def test_rules_list_says_which_rules_fix(capsys: pytest.CaptureFixture[str]) -> None:
    from dockwise.rules import rule_by_code

    assert main(["rules"]) == 0
    lines = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:-1]}
    for code in ("DW001", "DW204", "DW163"):
        rule = rule_by_code(code)
        assert rule is not None
        expected = {"always": "fix", "sometimes": "fix*", "none": "-"}[str(rule.fix_availability)]
        assert lines[code][4] == expected
    assert {lines["DW001"][4], lines["DW204"][4]} == {"-", "fix*"}


def test_check_says_what_gitignore_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / ".gitignore", "generated/\nDockerfile.local\n")
    write(tmp_path / "generated" / "Dockerfile", "FROM alpine:3.20\n")
    write(tmp_path / "Dockerfile.local", "FROM alpine:3.20\n")
    write(tmp_path / ".dockerignore", "Dockerfile\n")
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\n")
    _, out, _ = run(capsys, "check", "--isolated", str(tmp_path))
    assert "Total: 1 file checked" in out, "the Dockerfile .dockerignore lists is still checked"
    assert "Skipped 1 file in .gitignore, 1 directory in .gitignore (give a path by name to check it)." in out
    _, out, _ = run(capsys, "check", "--isolated", "--format", "json", str(tmp_path))
    skipped = json.loads(out)["skipped"]
    assert skipped["by_reason"] == {"files in .gitignore": 1, "directories in .gitignore": 1}
    assert skipped["message"].startswith("Skipped 1 file in .gitignore")
