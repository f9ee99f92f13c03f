"""The unsafe secret-mount fix of DW305."""

from __future__ import annotations

import pytest

from dockwise.diagnostics import Diagnostic
from dockwise.dockerfile import parse
from dockwise.fix import fix_text
from dockwise.lint import lint_text
from dockwise.rules.dockerfile.secrets import SecretFileCopied


def lint(text: str) -> list[Diagnostic]:
    return lint_text(text, "Dockerfile", [SecretFileCopied()])


HEAD = "FROM node:22\nWORKDIR /app\nCOPY .npmrc ./\n"
MOUNT = "RUN --mount=type=secret,id=npmrc,target=/app/.npmrc"


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("npm ci && rm .npmrc", f"{MOUNT} npm ci"),
        ("npm ci \\\n    && rm -f /app/.npmrc", f"{MOUNT} npm ci"),
        ("rm -f .npmrc && npm ci", f"{MOUNT} npm ci"),
        ("npm ci > /tmp/log && rm .npmrc && npm test", f"{MOUNT} npm ci > /tmp/log && npm test"),
        ("npm ci", f"{MOUNT} npm ci"),
    ],
)
def test_the_copy_goes_the_runs_mount_and_the_rm_goes(run: str, expected: str) -> None:
    fixed = fix_text(f"{HEAD}RUN {run}\n", lint, unsafe=True).text
    assert fixed == f"FROM node:22\nWORKDIR /app\n{expected}\n"
    parse(fixed)


@pytest.mark.parametrize(
    "text",
    [
        f"{HEAD}RUN npm ci && rm .npmrc package-lock.json\n",  # the rm removes more than the secret
        'FROM nginx:1.27\nCOPY certs/server.key /etc/nginx/server.key\nCMD ["nginx"]\n',  # a runtime key
        "FROM node:22\nCOPY .npmrc ./\nRUN npm ci\n",  # the WORKDIR is the base image's, unknown here
        f'{HEAD}RUN ["npm", "ci"]\n',  # exec-form RUNs are left alone
        "FROM node:22\nWORKDIR /app\nCOPY --chown=node .npmrc ./\nRUN npm ci\n",  # flags: ownership matters
    ],
)
def test_no_fix_where_the_secret_cannot_simply_become_a_mount(text: str) -> None:
    assert not fix_text(text, lint, unsafe=True).changed


def test_only_the_secret_leaves_a_copy_of_several_files() -> None:
    text = "FROM node:22\nWORKDIR /app\nCOPY .npmrc package.json ./\nRUN npm ci\n"
    fixed = fix_text(text, lint, unsafe=True).text
    assert fixed == f"FROM node:22\nWORKDIR /app\nCOPY package.json ./\n{MOUNT} npm ci\n"
