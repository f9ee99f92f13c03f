"""Runtime rule families (DW7xx) over RunSpecs: Compose services and `docker run` lines alike."""

from __future__ import annotations

from dockwise.rules.runtime import config, exposure, hardening, lifecycle, limits, misread, secrets, swarm

__all__ = ["config", "exposure", "hardening", "lifecycle", "limits", "misread", "secrets", "swarm"]
