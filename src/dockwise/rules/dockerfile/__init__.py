"""Rule families over Dockerfiles; each module listed here registers its rules when imported.

Codes: DW0xx syntax and variables, DW1xx base images and stages, DW2xx package managers and build cache,
DW3xx users and secrets, DW4xx process start, signals and health, DW5xx instruction hygiene and labels,
DW6xx the commands RUN runs (shell hygiene).
"""

from __future__ import annotations

from dockwise.rules.dockerfile import (
    base_image,
    cache,
    copy_paths,
    expose,
    health,
    instructions,
    labels,
    misread,
    mounts,
    multi_stage,
    packages,
    pinning,
    process,
    rpm_packages,
    run_semantics,
    secrets,
    shell_hygiene,
    shellcheck,
    signals,
    stage_rules,
    style,
    syntax,
    user,
)

__all__ = [
    "base_image",
    "cache",
    "copy_paths",
    "expose",
    "health",
    "instructions",
    "labels",
    "misread",
    "mounts",
    "multi_stage",
    "packages",
    "pinning",
    "process",
    "rpm_packages",
    "run_semantics",
    "secrets",
    "shell_hygiene",
    "shellcheck",
    "signals",
    "stage_rules",
    "style",
    "syntax",
    "user",
]
