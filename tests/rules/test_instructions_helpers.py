"""The start configuration the signal rules read: BuildKit clears an inherited CMD when a stage sets
ENTRYPOINT without setting CMD before it (dispatchEntrypoint's `cmdSet`)."""

from __future__ import annotations

import json

import pytest

from dockwise.dockerfile import parse
from dockwise.rules._base import DockerfileContext
from dockwise.rules.dockerfile.signals import _init_command, _start_config


def _lines(text: str) -> tuple[int | None, ...]:
    config = _start_config(DockerfileContext("Dockerfile", parse(text)))
    return tuple(None if i is None else i.start_line for i in (config.entrypoint, config.cmd, config.cleared))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('FROM a\nCMD ["x"]\nENTRYPOINT ["e"]\n', (3, 2, None)),  # CMD set before, in the same stage
        ('FROM a\nENTRYPOINT ["e"]\nCMD ["x"]\n', (2, 3, None)),
        ('FROM a AS b\nCMD ["x"]\nFROM b\nENTRYPOINT ["e"]\n', (4, None, 2)),  # inherited CMD cleared
        ('FROM a AS b\nCMD ["x"]\nFROM b\nENTRYPOINT ["e"]\nCMD ["y"]\n', (4, 5, None)),
        ('FROM a AS b\nENTRYPOINT ["e"]\nFROM b\nCMD ["y"]\n', (2, 4, None)),
        ('FROM a AS b\nCMD ["x"]\nFROM a\nENTRYPOINT ["e"]\n', (4, None, None)),  # b is not shipped
    ],
)
def test_start_config_follows_buildkit(text: str, expected: tuple[int | None, ...]) -> None:
    assert _lines(text) == expected


@pytest.mark.parametrize(
    ("words", "command"),
    [
        (["tini", "--"], ()),
        (["tini", "-g", "--", "node", "x.js"], ("node", "x.js")),
        (["dumb-init", "--single-child"], ()),
        (["dumb-init", "nginx"], ("nginx",)),
    ],
)
def test_init_command(words: list[str], command: tuple[str, ...]) -> None:
    text = f"FROM a\nENTRYPOINT {json.dumps(words)}\n"
    entrypoint = parse(text).instructions[-1]
    assert _init_command(entrypoint) == command
