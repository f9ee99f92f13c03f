"""Rule families over Dockerfiles; each module listed here registers its rules when imported."""

from __future__ import annotations

from dockwise.rules.dockerfile import syntax

__all__ = ["syntax"]
