"""`dockwise fix` and `lint --fix` end to end: what is written, kept, shown and returned."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dockwise.cli import main
from dockwise.fix import files
from dockwise.fix.files import write_atomically

BEFORE = "FROM alpine:3.20\nRUN apk add git\n"
AFTER = "FROM alpine:3.20\nRUN apk add --no-cache git\n"


def test_fix_writes_the_file_and_says_what_it_did(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(BEFORE)
    assert main(["fix", "--isolated", str(tmp_path)]) == 0
    assert dockerfile.read_text() == AFTER
    err = capsys.readouterr().err
    assert f"Fixed {dockerfile}: DW204 Add --no-cache" in err
    assert "1 fix applied in 1 file" in err
    assert main(["fix", "--isolated", str(tmp_path)]) == 0
    assert "0 fixes applied in 0 files" in capsys.readouterr().err


def test_diff_and_check_write_nothing_and_exit_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(BEFORE)
    assert main(["fix", "--isolated", "--diff", str(dockerfile)]) == 1
    out = capsys.readouterr().out
    assert "-RUN apk add git\n+RUN apk add --no-cache git\n" in out
    assert main(["fix", "--isolated", "--check", str(dockerfile)]) == 1
    assert "Would fix" in capsys.readouterr().err
    assert dockerfile.read_text() == BEFORE
    dockerfile.write_text(AFTER)
    assert main(["fix", "--isolated", "--check", str(dockerfile)]) == 0


def test_mode_line_endings_and_symlinks_are_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.Dockerfile"
    real.write_bytes(BEFORE.replace("\n", "\r\n").encode())
    real.chmod(0o640)
    link = tmp_path / "Dockerfile"
    link.symlink_to(real.name)
    assert main(["fix", "--isolated", str(link)]) == 0
    assert link.is_symlink()
    assert real.read_bytes() == AFTER.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile", "real.Dockerfile"], "no temp files"


def test_a_file_that_cannot_be_written_is_an_error_and_stays_intact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(BEFORE)

    def refuse(_path: Path, _text: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files, "write_atomically", refuse)
    assert main(["fix", "--isolated", str(dockerfile)]) == 2
    assert f"{dockerfile}: cannot write: Permission denied" in capsys.readouterr().err
    assert dockerfile.read_text() == BEFORE


def test_failed_write_removes_its_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(BEFORE)

    def refuse(_source: str, _target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        write_atomically(dockerfile, AFTER)
    assert dockerfile.read_text() == BEFORE
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]


def test_lint_fix_fixes_then_reports_what_remains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM alpine:3.20\nRUN apk add git\nEXPOSE 80\nCMD httpd -f\n")
    status = main(["lint", "--isolated", "--fix", "--format", "json", str(dockerfile)])
    assert "apk add --no-cache git" in dockerfile.read_text()
    out = capsys.readouterr().out
    assert '"DW204"' not in out
    assert '"DW402"' in out
    assert status == 1


def test_standard_input_cannot_be_fixed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "-"]) == 2
    assert "give paths" in capsys.readouterr().err


@pytest.mark.parametrize("opener", ['"oops', "'oops", "$(echo", "`x"])
def test_no_text_is_appended_to_a_run_left_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], opener: str
) -> None:
    """DW203's `&& rm -rf /var/lib/apt/lists/*` landed inside an unclosed quote or substitution: the rule
    fired again on every round and `fix` gave up with "did not settle", losing the other fixes too."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM debian:12\nRUN apt-get update && apt-get install -y curl {opener}\n")
    assert main(["fix", "--isolated", "--unsafe-fixes", str(dockerfile)]) == 0
    err = capsys.readouterr().err
    assert "did not settle" not in err
    assert dockerfile.read_text() == (
        f"FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends -y curl {opener}\n"
    )
    assert "1 finding remain" in err  # DW203 is still reported, with no fix offered


@pytest.mark.parametrize(
    "before",
    [
        "FROM alpine:3.20\nRUN apk add git",  # no newline at the end: the diff needs git's marker
        "FROM alpine:3.20\r\nRUN apk add git\r\n",
        "FROM alpine:3.20\nRUN apk add git\n# end",
        BEFORE,
    ],
)
def test_diff_is_a_patch_git_applies(tmp_path: Path, capsys: pytest.CaptureFixture[str], before: str) -> None:
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_bytes(before.encode())
    assert main(["fix", "--isolated", "--diff", str(dockerfile)]) == 1
    patch = tmp_path / "fix.diff"
    patch.write_text(capsys.readouterr().out.replace(str(dockerfile), "Dockerfile"))
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    subprocess.run([git, "-C", str(tmp_path), "apply", "--check", str(patch)], check=True)
    subprocess.run([git, "-C", str(tmp_path), "apply", str(patch)], check=True)
    expected = before.replace("apk add git", "apk add --no-cache git")
    assert dockerfile.read_bytes() == expected.encode()


def test_the_summary_counts_compose_findings_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Dockerfile").write_text(BEFORE)
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27\n    privileged: true\n")
    assert main(["check", "--isolated", "--format", "json", str(tmp_path / "compose.yaml")]) == 1
    import json

    compose = len(json.loads(capsys.readouterr().out)["diagnostics"])
    assert compose >= 1
    assert main(["fix", "--isolated", "--check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{compose} in Compose files and docker run lines: see dockwise check" in err
