"""Fixes that rewrite one instruction, applied to the instruction they are made for."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import dockerfile as buildkit
from dockwise.diagnostics import Applicability, Fix
from dockwise.dockerfile import parse
from dockwise.dockerfile.tree import Instruction
from dockwise.fix import apply_fixes
from dockwise.rules._base import DockerfileContext
from dockwise.rules.dockerfile.instruction_fixes import (
    absolute_workdir,
    add_to_copy,
    exec_form,
    init_entrypoint,
    legacy_key_value,
    maintainer_to_label,
    uppercase_keyword,
)

Maker = Callable[[DockerfileContext, Instruction], "Fix | None"]


def fixed(maker: Maker, text: str, index: int = -1) -> tuple[str, Applicability] | None:
    context = DockerfileContext("Dockerfile", parse(text))
    fix = maker(context, context.dockerfile.instructions[index])
    if fix is None:
        return None
    result = apply_fixes(text, [fix])
    buildkit.parse_string(result)  # BuildKit still accepts it
    return result.splitlines()[index], fix.applicability


SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("CMD node server.js", ('CMD ["node", "server.js"]', SAFE)),
        ("CMD exec node server.js", ('CMD ["node", "server.js"]', SAFE)),
        ('ENTRYPOINT "/bin/my app" --port=80', ('ENTRYPOINT ["/bin/my app", "--port=80"]', SAFE)),
        ("cmd npm start", ('cmd ["npm", "start"]', SAFE)),
        ("CMD node $APP", ('CMD ["/bin/sh", "-c", "exec node $APP"]', UNSAFE)),
        ("CMD serve > /tmp/log", ('CMD ["/bin/sh", "-c", "exec serve > /tmp/log"]', UNSAFE)),
        ("CMD migrate && serve", None),
        ("CMD cat x | grep y", None),
        ('CMD ["node", "s.js"]', None),
    ],
)
def test_exec_form(command: str, expected: tuple[str, Applicability] | None) -> None:
    assert fixed(exec_form, f"FROM node:22\n{command}\n") == expected


def test_exec_form_uses_the_shell_the_file_sets() -> None:
    text = 'FROM debian:12\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nCMD run $X\n'
    assert fixed(exec_form, text) == ('CMD ["/bin/bash", "-o", "pipefail", "-c", "exec run $X"]', UNSAFE)
    assert fixed(exec_form, 'FROM w\nSHELL ["powershell", "-Command"]\nCMD run $X\n') is None


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("ADD app.py /app/", "COPY app.py /app/"),
        ("add --chown=1000 app.py /app/", "copy --chown=1000 app.py /app/"),
        ("ADD --checksum=sha256:abc https://x/y /y", None),
    ],
)
def test_add_to_copy(instruction: str, expected: str | None) -> None:
    result = fixed(add_to_copy, f"FROM alpine:3.20\n{instruction}\n")
    assert (result[0] if result else None) == expected


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("MAINTAINER Jane <j@x.io>", 'LABEL org.opencontainers.image.authors="Jane <j@x.io>"'),
        ('maintainer "Team" <t@x.io>', 'label org.opencontainers.image.authors="\\"Team\\" <t@x.io>"'),
        ("MAINTAINER $AUTHOR", None),
    ],
)
def test_maintainer_to_label(instruction: str, expected: str | None) -> None:
    result = fixed(maintainer_to_label, f"FROM alpine:3.20\n{instruction}\n")
    assert (result[0] if result else None) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FROM alpine:3.20\nWORKDIR /srv\nWORKDIR app\n", "WORKDIR /srv/app"),
        ('FROM alpine:3.20\nWORKDIR /srv\nWORKDIR "../x"\n', None),
        ("FROM alpine:3.20 AS base\nWORKDIR /srv\nFROM base\nWORKDIR ../opt\n", "WORKDIR /opt"),
        ("FROM scratch\nWORKDIR app\n", "WORKDIR /app"),
        ("FROM python:3.12\nWORKDIR app\n", None),  # the base image's WORKDIR is not known
        ("FROM alpine:3.20\nWORKDIR $HOME\nWORKDIR app\n", None),
    ],
)
def test_absolute_workdir(text: str, expected: str | None) -> None:
    result = fixed(absolute_workdir, text)
    assert (result[0] if result else None) == expected


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("ENV PATH /opt/bin:$PATH", "ENV PATH=/opt/bin:$PATH"),
        ("ENV GREETING hello world", 'ENV GREETING="hello world"'),
        ('LABEL description "an app"', 'LABEL description="an app"'),
        ('ENV A b "c"', None),
        ("ENV A=b", None),
    ],
)
def test_legacy_key_value(instruction: str, expected: str | None) -> None:
    result = fixed(legacy_key_value, f"FROM alpine:3.20\n{instruction}\n")
    assert (result[0] if result else None) == expected


def test_uppercase_keyword() -> None:
    assert fixed(uppercase_keyword, "FROM alpine:3.20\nrun echo hi\n") == ("RUN echo hi", SAFE)
    assert fixed(uppercase_keyword, "FROM alpine:3.20\nRUN echo hi\n") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'FROM alpine:3.20\nRUN apk add --no-cache tini\nCMD ["/app"]\n',
            'FROM alpine:3.20\nRUN apk add --no-cache tini\nENTRYPOINT ["/sbin/tini", "--"]\nCMD ["/app"]\n',
        ),
        (
            'FROM debian:12\nRUN apt-get install -y tini\nENTRYPOINT ["/app", "serve"]\n',
            "FROM debian:12\nRUN apt-get install -y tini\n"
            'ENTRYPOINT ["/usr/bin/tini", "--", "/app", "serve"]\n',
        ),
        ('FROM alpine:3.20\nCMD ["/app"]\n', None),  # no init installed: nothing to start
        ('FROM alpine:3.20\nRUN apk add tini\nENTRYPOINT ["/sbin/tini", "--"]\nCMD ["/app"]\n', None),
    ],
)
def test_init_entrypoint(text: str, expected: str | None) -> None:
    context = DockerfileContext("Dockerfile", parse(text))
    fix = init_entrypoint(context)
    assert (apply_fixes(text, [fix]) if fix else None) == expected
    if fix:
        assert fix.applicability is Applicability.UNSAFE
