"""Image rule families (DW8xx) over images read from archives or an engine."""

from __future__ import annotations

from dockwise.rules.image import checks

__all__ = ["checks"]
