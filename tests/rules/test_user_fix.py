"""The unsafe non-root fix of DW301: the base's own tool, placed after the last filesystem write."""

from __future__ import annotations

import pytest

from dockwise.diagnostics import Diagnostic
from dockwise.dockerfile import parse
from dockwise.fix import fix_text
from dockwise.lint import lint_text
from dockwise.rules.dockerfile.user import MissingUser


def lint(text: str) -> list[Diagnostic]:
    return lint_text(text, "Dockerfile", [MissingUser()])


def test_the_continuation_uses_the_files_escape_character() -> None:
    text = '# escape=`\nFROM debian:12\nRUN echo hi\nCMD ["app"]\n'
    fixed = fix_text(text, lint, unsafe=True).text
    assert "RUN groupadd --system --gid 10001 app `\n    && useradd" in fixed
    assert [i.keyword for i in parse(fixed).instructions] == ["FROM", "RUN", "RUN", "USER", "CMD"]


@pytest.mark.parametrize(
    "text",
    [
        'FROM example.com/custom/base:1\nCMD ["app"]\n',  # the base's tools are unknown
        "FROM golang:windowsservercore\nCMD go run .\n",  # Windows: no Linux UIDs (no finding at all)
    ],
)
def test_no_fix_where_the_base_is_unknown(text: str) -> None:
    assert not fix_text(text, lint, unsafe=True).changed


def test_the_user_comes_after_the_last_write_and_before_the_command() -> None:
    text = 'FROM alpine:3.20\nCOPY app /app\nEXPOSE 80\nRUN chmod +x /app\nENV X=1\nCMD ["/app"]\n'
    fixed = fix_text(text, lint, unsafe=True).text
    assert fixed.endswith(
        "RUN chmod +x /app\nRUN addgroup -S -g 10001 app && adduser -S -D -H -u 10001 -G app app\n"
        'USER 10001:10001\nENV X=1\nCMD ["/app"]\n'
    )
