"""Rule families over Dockerfiles; each module listed here registers its rules when imported.

Codes: DW0xx syntax, DW1xx base images and stages, DW2xx package managers and build cache, DW3xx users and
secrets, DW4xx process start, signals and health, DW5xx instruction hygiene.
"""

from __future__ import annotations

from dockwise.rules.dockerfile import (
    base_image,
    cache,
    instructions,
    packages,
    secrets,
    signals,
    syntax,
    user,
)

__all__ = ["base_image", "cache", "instructions", "packages", "secrets", "signals", "syntax", "user"]
