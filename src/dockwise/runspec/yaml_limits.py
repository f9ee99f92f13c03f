"""A YAML document measured before it is built: nodes written, nodes once aliases are expanded, nesting
depth, and aliases that refer to the node they are inside.

libyaml's composer builds the whole node tree first (about 300 bytes a node), allows an alias inside its
own anchor (a cycle every walker of the tree would follow forever) and lets a few kilobytes of anchors
and merge keys stand for billions of values. So the events are read first, in a stream that keeps only a
stack and one count per anchor: the file is refused with its line before anything big is built. Neither
PyYAML nor ruamel.yaml offers such limits, hence this module.
"""

from __future__ import annotations

from typing import Any

from dockwise.errors import DockwiseError

MAX_NODES = 90_000
"""Nodes written in one file. The largest corpus Compose file has 1,331; 90,000 (20,000 services with an
image each take 80,002) keeps libyaml's tree, the values built from it and their findings (eight for such
a service) under 200 MB."""
MAX_EXPANDED_NODES = 90_000
"""Nodes once every alias and merge key is expanded: more is an alias bomb, not a Compose file."""
MAX_EXPANDED_CHARS = 4 * 1024 * 1024
"""Characters of scalars once aliases are expanded: four times the largest file, so that a long string
aliased many times is refused before it is copied many times."""
MAX_DEPTH = 100
"""Nesting of mappings and sequences. Compose files nest a handful of levels; the walkers that read the
values recurse once a level."""


class YamlLimitError(DockwiseError, ValueError):
    """A document over one of the limits, or with a recursive alias; `line` and `column` are 1-based."""

    def __init__(self, message: str, event: Any) -> None:
        super().__init__(message)
        self.message = message
        mark = event.start_mark
        self.line = int(mark.line) + 1 if mark is not None else 1
        self.column = int(mark.column) + 1 if mark is not None else 1


def check_limits(text: str) -> None:
    """Raise YamlLimitError when `text` is over a limit; PyYAML's own errors (bad syntax) propagate."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    opening = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    closing = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    sizes: dict[str, tuple[int, int]] = {}
    """Expanded (nodes, characters) of every anchored node seen so far."""
    stack: list[list[Any]] = []
    """Open collections: [anchor, expanded nodes so far, expanded characters so far]."""
    open_anchors: set[str] = set()
    written = nodes = chars = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, scalar | alias):
            if isinstance(event, alias):
                if event.anchor in open_anchors:
                    raise YamlLimitError(f"alias *{event.anchor} refers to the node it is inside", event)
                size = sizes.get(event.anchor)
                if size is None:
                    continue  # an undefined alias: the composer reports it with its position
            else:
                written += 1
                size = (1, len(event.value))
                if event.anchor is not None:
                    sizes[event.anchor] = size
            nodes += size[0]
            chars += size[1]
            if stack:
                stack[-1][1] += size[0]
                stack[-1][2] += size[1]
        elif isinstance(event, opening):
            written += 1
            nodes += 1
            stack.append([event.anchor, 1, 0])
            if event.anchor is not None:
                open_anchors.add(event.anchor)
            if len(stack) > MAX_DEPTH:
                raise YamlLimitError(f"nested more than {MAX_DEPTH} levels deep", event)
        elif isinstance(event, closing):
            anchor, inner_nodes, inner_chars = stack.pop()
            if anchor is not None:
                sizes[anchor] = (inner_nodes, inner_chars)
                open_anchors.discard(anchor)
            if stack:
                stack[-1][1] += inner_nodes
                stack[-1][2] += inner_chars
        else:
            continue
        if written > MAX_NODES:
            raise YamlLimitError(f"more than {MAX_NODES} YAML nodes: too large for a Compose file", event)
        if nodes > MAX_EXPANDED_NODES or chars > MAX_EXPANDED_CHARS:
            what = (
                f"{MAX_EXPANDED_NODES} values"
                if nodes > MAX_EXPANDED_NODES
                else f"{MAX_EXPANDED_CHARS} characters"
            )
            raise YamlLimitError(
                f"more than {what} once anchors and merge keys are expanded (an alias bomb?)", event
            )
