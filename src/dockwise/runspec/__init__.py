"""How a container is run, from a Compose service or a `docker run` line: one model, `RunSpec`, so that
the same runtime rule reads both (see DESIGN.md)."""

from __future__ import annotations

from dockwise.runspec.model import HealthCheck, PortMapping, RunSpec, VolumeMount

__all__ = ["HealthCheck", "PortMapping", "RunSpec", "VolumeMount"]
