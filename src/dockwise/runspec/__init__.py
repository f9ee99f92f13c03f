"""How a container is run, from a Compose service or a `docker run` line: one model, `RunSpec`, so that
the same runtime rule reads both (see DESIGN.md).

The model is imported on first use of a name here, not with the package: a Dockerfile lint reads
`runspec.embedded` for every file, and most never need a RunSpec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dockwise.runspec.model import HealthCheck, InvalidValue, PortMapping, RunSpec, VolumeMount

__all__ = ["HealthCheck", "InvalidValue", "PortMapping", "RunSpec", "VolumeMount"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from dockwise.runspec import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
