"""The Dockerfile model: a lossless tree that agrees with BuildKit's parser, and its semantic `Build`.

`parse(text)` returns a `Dockerfile` whose `render()` is `text` byte for byte; `Dockerfile.build` gives the
stages, ARG/ENV scopes and stage graph.
"""

from __future__ import annotations

from dockwise.dockerfile.parser import parse
from dockwise.dockerfile.tree import (
    KNOWN_INSTRUCTIONS,
    Directive,
    Directives,
    Dockerfile,
    Heredoc,
    Instruction,
    Node,
    Trivia,
)
from dockwise.errors import DockerfileSyntaxError

__all__ = [
    "KNOWN_INSTRUCTIONS",
    "Directive",
    "Directives",
    "Dockerfile",
    "DockerfileSyntaxError",
    "Heredoc",
    "Instruction",
    "Node",
    "Trivia",
    "parse",
]
