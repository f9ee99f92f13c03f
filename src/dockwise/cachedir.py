"""Where dockwise keeps what it can compute again but would rather not: image layer scans, ShellCheck's
answers."""

from __future__ import annotations

import os
from pathlib import Path


def default_directory() -> Path:
    """`$DOCKWISE_CACHE_DIR`, else `$XDG_CACHE_HOME/dockwise`, else `~/.cache/dockwise`."""
    configured = os.environ.get("DOCKWISE_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dockwise"
