"""No output format repeats a secret that a finding reports (nor shows it under another finding on its
line): findings name the variable, and the text report cuts the source line before the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise.cli import main
from dockwise.report import FORMATS

SECRETS = [f"Zq7s3kr1tValue{n}" for n in range(8)]
COMPOSE = f"""\
services:
  api:
    image: example/api:1.4
    build:
      context: .
      args:
        NPM_TOKEN: npm_{SECRETS[0]}
    environment:
      - DB_PASSWORD={SECRETS[1]}
      - DATABASE_URL=postgres://app:{SECRETS[2]}@db/app
      - ADMIN_PASSWORD=${{ADMIN_PASSWORD:-{SECRETS[3]}}}
      - CACHE_URL=redis://:{SECRETS[4]}@cache:6379/0
    healthcheck:
      test: mysqladmin ping -uroot -p{SECRETS[5]}
  worker:
    image: example/worker:1.4
    environment: {{API_TOKEN: {SECRETS[6]}}}
"""
SCRIPT = f"docker run -e API_TOKEN={SECRETS[7]} example/api:1.4\n"


@pytest.mark.parametrize("output", sorted(FORMATS))
def test_no_format_shows_a_reported_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    (tmp_path / "run.sh").write_text(SCRIPT, encoding="utf-8")
    main(["check", "--isolated", "--format", output, str(tmp_path)])
    shown = capsys.readouterr().out
    assert shown.count("DW740") + shown.count("DW760") + shown.count("DW761") >= 8 or output != "text"
    for code in ("DW740", "DW760", "DW761"):
        assert code in shown
    for secret in SECRETS:
        assert secret not in shown, f"{output} shows a secret"


def test_a_dockerfile_secret_is_not_shown_in_the_text_report() -> None:
    """DW304 points at the variable's name, so the text report cuts the line before the value (it used to
    point at the whole instruction, and the excerpt showed the token)."""
    from dockwise.lint import FileResult, LintReport, lint_text
    from dockwise.report import reporter

    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    text = f"FROM alpine:3.20\nENV GITHUB_TOKEN={token}\nARG API_TOKEN=s3cr3t-value-9\n"
    diagnostics = [d for d in lint_text(text, "Dockerfile") if d.code == "DW304"]
    assert len(diagnostics) == 2
    rendered = reporter("text")(LintReport((FileResult("Dockerfile", text, tuple(diagnostics)),)))
    assert token not in rendered
    assert "s3cr3t-value-9" not in rendered
    assert "ENV GITHUB_TOKEN …" in rendered
