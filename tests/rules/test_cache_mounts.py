"""The unsafe cache-mount fix of the cache-left-in-layer rules (DW240-DW248)."""

from __future__ import annotations

import pytest

from dockwise.diagnostics import Applicability, Diagnostic
from dockwise.fix import fix_text
from dockwise.lint import dockerfile_rules, lint_text
from dockwise.suppress import Selector

RULES = dockerfile_rules(select=[Selector("DW24")])


def lint(text: str) -> list[Diagnostic]:
    return lint_text(text, "Dockerfile", RULES)


def test_npm_cache_goes_to_a_cache_mount_only_with_unsafe_fixes() -> None:
    text = 'FROM node:22\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCMD ["node", "s.js"]\n'
    assert not fix_text(text, lint).changed
    fixed = fix_text(text, lint, unsafe=True)
    assert "RUN --mount=type=cache,target=/root/.npm npm ci\n" in fixed.text
    assert [(f.code, f.applicability) for f in fixed.applied] == [("DW240", Applicability.UNSAFE)]
    assert not [d for d in lint(fixed.text) if d.code == "DW240"], "the mount satisfies the rule"


@pytest.mark.parametrize(
    "text",
    [
        "FROM node:22\nUSER node\nRUN npm ci\n",  # a non-root user's home is not known
        "FROM node:22\nENV npm_config_cache=/tmp/npm\nRUN npm ci\n",  # the cache was moved
        "FROM debian:12\nRUN go build ./...\n",  # GOPATH is /go only in the golang image
        "FROM golang:1.23\nRUN go build -o /app . && rm -rf /go/pkg/mod\n",  # rm of a mount point fails
    ],
)
def test_no_mount_fix_where_the_cache_directory_is_not_certain(text: str) -> None:
    assert not fix_text(text, lint, unsafe=True).changed


def test_go_mounts_reach_every_later_run_that_uses_the_module_cache() -> None:
    text = 'FROM golang:1.23\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\nCMD ["/app"]\n'
    fixed = fix_text(text, lint, unsafe=True).text
    mounts = "--mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build"
    assert fixed.count(f"RUN {mounts} go ") == 2
