"""The rule catalogue. Each family (a package listed in `FAMILIES`) registers its rules when imported.

The whole catalogue is imported only when asked for (`all_rules`, `registered_rules`): linting a
Dockerfile imports the Dockerfile family alone (`load_family`), so it does not pay at start-up for the
runtime and image rules and the models they read.
"""

from __future__ import annotations

import importlib

from dockwise.rules._base import (
    DockerfileContext,
    DockerfileRule,
    FixAvailability,
    Rule,
    RuleOptions,
    loaded_rule,
    loaded_rules,
)

__all__ = [
    "FAMILIES",
    "DockerfileContext",
    "DockerfileRule",
    "FixAvailability",
    "Rule",
    "RuleOptions",
    "all_rules",
    "load_family",
    "registered_rules",
    "rule_by_code",
]

FAMILIES = ("dockerfile", "runtime", "image")


def load_family(family: str) -> list[type[Rule]]:
    """Import one family ("dockerfile", "runtime", "image"); every rule loaded so far, ordered by code."""
    importlib.import_module(f"{__name__}.{family}")
    return loaded_rules()


def all_rules() -> list[type[Rule]]:
    """Every built-in rule, ordered by code."""
    for family in FAMILIES:
        load_family(family)
    return loaded_rules()


def registered_rules() -> dict[str, type[Rule]]:
    """Every built-in rule class by code."""
    return {rule.code: rule for rule in all_rules()}


def rule_by_code(code: str) -> type[Rule] | None:
    """The rule behind a diagnostic's code. Its family is loaded already (its rule made the diagnostic),
    so the whole catalogue is imported only for a code not loaded yet."""
    return loaded_rule(code) or registered_rules().get(code)
