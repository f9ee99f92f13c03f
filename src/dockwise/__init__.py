"""dockwise: enforce the advanced Docker playbook on Dockerfiles, Compose files, images and engines."""

from __future__ import annotations

from dockwise.diagnostics import Applicability, Category, Diagnostic, Edit, Fix, Severity, TextRange
from dockwise.dockerfile import Dockerfile, parse
from dockwise.errors import DockerfileSyntaxError, DockwiseError, InputError

__version__ = "0.1.0"

__all__ = [
    "Applicability",
    "Category",
    "Diagnostic",
    "Dockerfile",
    "DockerfileSyntaxError",
    "DockwiseError",
    "Edit",
    "Fix",
    "InputError",
    "Severity",
    "TextRange",
    "__version__",
    "parse",
]
