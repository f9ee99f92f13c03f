"""A lint leaves no reference cycles: its objects are freed by reference counting as soon as it is done.

The language server lints on every keystroke with the garbage collector paused (`dockwise.lsp`); a cycle
would keep a whole parse tree alive until a collection. The cached Build points back at its Dockerfile (the
lint drops it when done) and a recursive closure pointed at the Build: 1,869 objects a lint of 300 lines
waited for the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from dockwise.lint import lint_text

DOCKERFILE = """\
# syntax=docker/dockerfile:1
ARG BASE=debian:12
FROM $BASE AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc \\
    && rm -rf /var/lib/apt/lists/*
COPY --from=tools /bin/x /bin/x
FROM build AS tools
RUN <<EOF
set -e
make
EOF
FROM build
COPY --from=build /src /app
USER 65534
CMD ["/app/run"]
"""


@pytest.fixture
def collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_a_lint_leaves_nothing_for_the_garbage_collector(collector_paused: None) -> None:
    lint_text(DOCKERFILE)  # imports and caches settle first
    gc.collect()
    for _ in range(3):
        assert lint_text(DOCKERFILE)
    # the parser and its directive scanner point at each other (a handful of objects, freed with it)
    assert gc.collect() < 30
