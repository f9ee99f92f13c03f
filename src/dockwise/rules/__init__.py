"""The rule catalogue. Importing this package registers every built-in rule family listed here."""

from __future__ import annotations

from dockwise.rules import dockerfile as _dockerfile_rules  # noqa: F401 - registers the rules
from dockwise.rules import image as _image_rules  # noqa: F401 - registers the rules
from dockwise.rules import runtime as _runtime_rules  # noqa: F401 - registers the rules
from dockwise.rules._base import (
    DockerfileContext,
    DockerfileRule,
    FixAvailability,
    Rule,
    RuleOptions,
    registered_rules,
)

__all__ = [
    "DockerfileContext",
    "DockerfileRule",
    "FixAvailability",
    "Rule",
    "RuleOptions",
    "all_rules",
    "registered_rules",
]


def all_rules() -> list[type[Rule]]:
    """Every registered rule, ordered by code."""
    return [rule for _, rule in sorted(registered_rules().items())]
