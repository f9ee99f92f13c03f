"""The secret rules point at the BuildKit mount that replaces the leak, and DW206 moves a system package
install above `COPY . .` when that is known to be independent of the sources."""

from __future__ import annotations

from dockwise.diagnostics import Applicability, Diagnostic
from dockwise.fix import fix_text
from dockwise.lint import dockerfile_rules, lint_text
from dockwise.suppress import Selector


def lint(text: str, code: str) -> list[Diagnostic]:
    return [
        d for d in lint_text(text, "Dockerfile", dockerfile_rules(select=[Selector(code)])) if d.code == code
    ]


def test_a_token_used_by_one_run_is_pointed_at_a_secret_mount_for_that_run() -> None:
    text = "FROM node:22\nARG NPM_TOKEN\nRUN npm ci\nRUN NPM_TOKEN=$NPM_TOKEN npm publish\n"
    [finding] = lint(text, "DW304")
    assert "one RUN (line 4)" in finding.message
    assert "--mount=type=secret,id=NPM_TOKEN,env=NPM_TOKEN" in finding.message


def test_a_token_used_by_several_runs_gets_the_general_advice() -> None:
    text = "FROM node:22\nARG NPM_TOKEN\nRUN echo $NPM_TOKEN\nRUN echo ${NPM_TOKEN}\n"
    [finding] = lint(text, "DW304")
    assert "one RUN" not in finding.message
    assert "--mount=type=secret" in finding.message


def test_a_key_copied_for_git_clone_is_pointed_at_an_ssh_mount() -> None:
    text = "FROM alpine:3.20\nCOPY id_ed25519 /root/.ssh/\nRUN git clone git@github.com:acme/lib.git\n"
    [finding] = lint(text, "DW305")
    assert "--mount=type=ssh" in finding.message


def test_a_key_not_used_for_ssh_keeps_the_secret_advice() -> None:
    text = "FROM alpine:3.20\nCOPY id_ed25519 /root/.ssh/\nRUN ls /root/.ssh\n"
    [finding] = lint(text, "DW305")
    assert "--mount=type=ssh" not in finding.message


def test_apt_install_after_the_sources_moves_above_them_as_an_unsafe_fix() -> None:
    text = (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends libpq5 "
        "&& rm -rf /var/lib/apt/lists/*\n"
        'CMD ["python", "app.py"]\n'
    )
    [finding] = lint(text, "DW206")
    assert "apt-get install" in finding.message
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.UNSAFE
    fixed = fix_text(text, lambda t: lint(t, "DW206"), unsafe=True).text
    assert fixed.index("RUN apt-get") < fixed.index("COPY . .")
    assert not lint(fixed, "DW206")


def test_an_install_that_reads_the_sources_is_not_reported() -> None:
    copied = "FROM debian:12\nWORKDIR /app\nCOPY . .\nRUN apt-get install -y ./vendor/tool.deb\n"
    builds = "FROM debian:12\nWORKDIR /app\nCOPY . .\nRUN apt-get install -y make && make install\n"
    assert not lint(copied, "DW206")
    assert not lint(builds, "DW206")


def test_no_move_across_a_copy_into_etc() -> None:
    text = (
        "FROM debian:12\nWORKDIR /app\nCOPY . .\nCOPY sources.list /etc/apt/\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends libpq5\n"
    )
    [finding] = lint(text, "DW206")
    assert finding.fix is None


def test_docker_clean_is_not_removed_by_a_non_root_step() -> None:
    mount = "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get install -y gcc\n"
    [as_root] = lint(f"FROM debian:12\n{mount}", "DW250")
    [as_user] = lint(f"FROM debian:12\nUSER 1000\n{mount}", "DW250")
    assert as_root.fix is not None
    assert as_user.fix is None  # a RUN as uid 1000 cannot edit /etc/apt
