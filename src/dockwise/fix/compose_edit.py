"""Settings added to the services of a Compose file by inserting lines into its text, nothing re-dumped.

A YAML library that loads and dumps a file rewrites lines it was never asked to touch (quoting, flow
sequences, wrapped strings, the indentation of sequences, document markers). Here the file is only
*read* with PyYAML's parser, for where each node starts and ends; the additions go in as text:

- a missing key becomes new lines after the last line of its mapping (the service, or an existing
  `deploy`, `deploy.resources`, `deploy.resources.limits`), at the column of that mapping's keys, nested
  by the service's own indentation step, with the file's line ending (CRLF stays CRLF);
- items for a block sequence (`cap_drop:` then `- NET_RAW`) become new `- ITEM` lines at its dash's
  column;
- the one kind of existing line that changes, by insertion only: items for a flow sequence are inserted
  before its `]` (`[NET_RAW]` -> `[NET_RAW, ALL]`), a one-item scalar (`tmpfs: /run`) is wrapped into a
  flow sequence (`[/run, /tmp]`), and an empty value (`tmpfs:`) gets the value after its colon. A file
  without a final newline keeps none: its last line gets one when lines go after it.

What cannot take lines is left alone, and said why: a service written as a flow mapping (`{image: x}`;
rewriting it whole is what this module exists not to do), a service that is an alias of a mapping
written elsewhere, a key that comes from a merge key (`<<: *defaults`: a key written in the service
would replace the merged value, not extend it), a `deploy` written in flow style, a null written `~`.
Additions of one group go in together or not at all. The caller re-loads the result and compares it
with what it meant to add (`dockwise.fix.harden`); when lines added to an anchored mapping changed
what uses the anchor, it asks again with `avoid_anchors`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dockwise.runspec.compose import ComposeError

Scalar = str | int | bool


@dataclass(frozen=True, slots=True)
class Addition:
    """One setting for a service: the keys leading to it from the service (`("deploy", "resources",
    "limits", "memory")`) and its value; a tuple is items, added to the sequence there (made when
    missing)."""

    path: tuple[str, ...]
    value: Scalar | tuple[str, ...]
    change: str
    """What it adds, as the fix reports it (`cap_drop += ALL`)."""
    comment: str = ""
    """Said at the end of its line when it is a new key (why, or that it is a guess)."""
    group: str = ""
    """Additions that only work together (a read-only root and its tmpfs; dropping every capability and
    adding back what the image needs) share a group: all of them are added, or none."""


@dataclass(frozen=True, slots=True)
class Edited:
    text: str
    applied: dict[str, list[Addition]]
    """The additions that went in, by service."""
    skipped: tuple[str, ...]
    """"service: what was not added, and why", in file order."""


def insert_settings(
    text: str,
    root: Node | None,
    wanted: Sequence[tuple[str, Mapping[str, Any], Sequence[Addition]]],
    *,
    avoid_anchors: bool = False,
) -> Edited:
    """`text` (whose nodes are `root`, from `nodes`) with each service's additions inserted; `wanted` is
    (name, the service as loaded, with its merge keys applied, additions) per service. With
    `avoid_anchors`, nothing is added to a node that carries an anchor (the retry after an edit there
    changed, through the anchor, what uses it)."""
    services = _own(root, "services") if root is not None and root.kind == "map" else None
    writer = _Writer(text)
    applied: dict[str, list[Addition]] = {}
    skipped: list[str] = []
    for name, loaded, additions in wanted:
        unwritable = _unwritable(root, services, name)
        node = _own(services, name)
        if unwritable is not None or node is None:
            skipped.append(f"{name}: not hardened: {unwritable}")
            continue
        step = _step(text, services, name)
        trial = _Writer(text)
        reasons = {
            addition.change: reason
            for addition in additions
            if (reason := trial.place(node, step, loaded, addition, avoid_anchors)) is not None
        }
        failed = {addition.group: addition.change for addition in additions if addition.change in reasons}
        for addition in additions:
            if addition.change in reasons:
                continue
            if addition.group and addition.group in failed:
                reasons[addition.change] = f"it goes with {failed[addition.group]}, which could not be added"
            else:
                writer.place(node, step, loaded, addition, avoid_anchors)
                applied.setdefault(name, []).append(addition)
        if name not in applied and len(set(reasons.values())) == 1:
            skipped.append(f"{name}: not hardened: {next(iter(reasons.values()))}")
        else:
            skipped.extend(
                f"{name}: not added: {a.change}: {reasons[a.change]}"
                for a in additions
                if a.change in reasons
            )
    return Edited(writer.result(), applied, tuple(skipped))


def with_additions(service: Mapping[str, Any], additions: Sequence[Addition]) -> dict[str, Any]:
    """The service as it should load once `additions` are in: what the re-loaded file is checked against."""
    import copy

    result = copy.deepcopy(dict(service))
    for addition in additions:
        mapping = result
        for key in addition.path[:-1]:
            if not isinstance(mapping.get(key), dict):
                mapping[key] = {}
            mapping = mapping[key]
        key = addition.path[-1]
        if isinstance(addition.value, tuple):
            present = mapping.get(key)
            before = present if isinstance(present, list) else [present] if isinstance(present, str) else []
            mapping[key] = [*before, *addition.value]
        else:
            mapping[key] = addition.value
    return result


# --- where things are: a light tree of the file's nodes with their offsets -----------------------------


@dataclass(slots=True)
class Node:
    """A node of the file and where it is (character offsets into the text)."""

    kind: str
    """"map", "seq", "scalar" or "alias" (an alias is a leaf here: what it points to is written elsewhere)."""
    start: int
    end: int = 0
    """Where its content ends: a block collection ends where its last leaf does (PyYAML's own end of a
    block collection is the next token, past comments and blank lines)."""
    flow: bool = False
    style: str | None = None
    anchor: str | None = None
    value: str = ""
    """A scalar's value, as written (keys are compared by it)."""
    children: list[Node] = field(default_factory=list)
    """Keys and values alternating, for a mapping."""

    def pairs(self) -> list[tuple[Node, Node]]:
        return list(zip(self.children[::2], self.children[1::2], strict=True))


def nodes(text: str) -> Node | None:
    """The file's one document as nodes with character offsets (PyYAML's pure-Python parser: libyaml's
    marks are not character offsets in every case). More than one document is refused."""
    import yaml

    stack: list[Node] = []
    root: Node | None = None
    documents = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            start, end = event.start_mark.index, event.end_mark.index
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise ComposeError(
                        f"line {event.start_mark.line + 1}: a second YAML document: a Compose file is one "
                        "document, and --harden edits no file that holds more"
                    )
                continue
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
                stack.append(Node(kind, start, flow=bool(event.flow_style), anchor=event.anchor))
                continue
            if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                node = stack.pop()
                node.end = end if node.flow else (node.children[-1].end if node.children else start)
            elif isinstance(event, yaml.ScalarEvent):
                end = _scalar_end(text, start, end, event.style)
                node = Node("scalar", start, end, style=event.style, anchor=event.anchor, value=event.value)
            elif isinstance(event, yaml.AliasEvent):
                node = Node("alias", start, end)
            else:
                continue
            if stack:
                stack[-1].children.append(node)
            else:
                root = node
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ComposeError(f"invalid YAML{where}: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise ComposeError(f"invalid YAML: {error}") from None
    return root


def _scalar_end(text: str, start: int, end: int, style: str | None) -> int:
    """A literal or folded block scalar's end is after the blank lines that follow it; unless it keeps
    them (`|+`), lines added after it go right after its last line instead."""
    if style not in ("|", ">"):
        return end
    indicator = min(
        (i for i in (text.find("|", start, end), text.find(">", start, end)) if i >= 0), default=-1
    )
    header = text[indicator + 1 :].split(maxsplit=1)[0] if indicator >= 0 else ""
    if "+" in header:
        return end
    return len(text[:end].rstrip())


def _own(mapping: Node | None, key: str) -> Node | None:
    """The value written for `key` in `mapping` itself (not one a merge key brings)."""
    pair = _pair(mapping, key)
    return pair[1] if pair is not None else None


def _step(text: str, services: Node | None, name: str) -> int:
    """The service's indentation step: how much deeper its keys are than its name."""
    pair = _pair(services, name)
    if pair is None or not pair[1].children:
        return 2
    key, value = pair
    column = value.children[0].start - (text.rfind("\n", 0, value.children[0].start) + 1)
    return max(1, column - (key.start - (text.rfind("\n", 0, key.start) + 1)))


def _pair(mapping: Node | None, key: str) -> tuple[Node, Node] | None:
    if mapping is None or mapping.kind != "map":
        return None
    for key_node, value in mapping.pairs():
        if key_node.kind == "scalar" and key_node.value == key:
            return key_node, value
    return None


def _shared(what: str, anchor: str) -> str:
    return f"{what} is shared through the anchor &{anchor}: adding to it changes what uses it"


def _empty(node: Node) -> bool:
    """`key:` with nothing after it (null, written as nothing)."""
    return node.kind == "scalar" and node.style is None and node.start == node.end


def _unwritable(root: Node | None, services: Node | None, name: str) -> str | None:
    """Why the service's mapping cannot take lines, or None."""
    if root is None or root.kind != "map" or services is None:
        return "`services` is not written in this file as a mapping of its own"
    if services.kind != "map" or services.flow:
        return "`services` is written as an alias or a flow mapping ({...}), which takes no lines"
    node = _own(services, name)
    if node is None:
        return "the service comes from a merge key (<<), not from this file's own `services`"
    if node.kind == "alias":
        return "the service is an alias of a mapping written elsewhere, which adding to it would change too"
    if node.kind != "map" or node.flow:
        return (
            "the service is written as a flow mapping ({...}), which takes no lines, and --harden does not "
            "rewrite a service whole: write it as a block mapping to have it hardened"
        )
    return None


class _Writer:
    """Collects the insertions, then makes them all at once (offsets are those of the original text)."""

    def __init__(self, text: str) -> None:
        self.text = text
        first = text.find("\n")
        self.newline = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
        self.inline: list[tuple[int, str]] = []
        """Text inserted within a line, by offset."""
        self.items: dict[tuple[int, int], list[str]] = {}
        """`- ITEM` lines, by (line start, column)."""
        self.keys: dict[tuple[int, int], tuple[int, dict[str, Any]]] = {}
        """New keys by (line start, column): the service's indentation step, and nested dicts of keys
        down to their Addition."""

    def column(self, offset: int) -> int:
        return offset - (self.text.rfind("\n", 0, offset) + 1)

    def line_after(self, end: int, column: int) -> int:
        """Where new lines at `column` go after a value that ends at `end`: the start of the next line,
        past the comment lines indented deeper than `column` that follow (they belong to that value:
        a commented-out entry stays with its mapping); the end of the text when there is none."""
        text = self.text
        point = end if end > 0 and text[end - 1] == "\n" else text.find("\n", end) + 1 or len(text)
        while point < len(text):
            line_end = text.find("\n", point) + 1 or len(text)
            line = text[point:line_end]
            if not line.lstrip(" ").startswith("#") or len(line) - len(line.lstrip(" ")) <= column:
                break
            point = line_end
        return point

    def place(
        self, service: Node, step: int, loaded: Mapping[str, Any], addition: Addition, avoid_anchors: bool
    ) -> str | None:
        """Plan the lines of one addition to `service` (a block mapping); the reason it cannot be added,
        or None."""
        mapping, plain, path = service, loaded, addition.path
        for depth, key in enumerate(path):
            dotted = f"`{'.'.join(path[: depth + 1])}`"
            if avoid_anchors and mapping.anchor is not None:
                return _shared(f"`{'.'.join(path[:depth])}`" if depth else "the service", mapping.anchor)
            pair = _pair(mapping, key)
            if pair is None and key in plain:
                return (
                    f"{dotted} comes from a merge key (<<), and a key written in the service would replace "
                    "the merged value, not add to it: add it where the merged mapping is written"
                )
            if pair is None:  # a new key, with what goes under it, after the mapping's last line
                column = self.column(mapping.children[0].start)
                self._keys(self.line_after(mapping.end, column), column, step, path[depth:], addition)
                return None
            key_node, child = pair
            inner = plain.get(key)
            if child.kind == "alias":
                return (
                    f"{dotted} is an alias of a value written elsewhere, which adding to it would change too"
                )
            if avoid_anchors and child.anchor is not None:
                return _shared(dotted, child.anchor)
            if depth == len(path) - 1:
                return self._extend(child, dotted, addition, inner)
            if _empty(child):  # `deploy:` with nothing: what goes under it, on the lines after it
                column = self.column(key_node.start)
                self._keys(
                    self.line_after(child.end, column), column + step, step, path[depth + 1 :], addition
                )
                return None
            if child.kind != "map" or child.flow or not isinstance(inner, Mapping):
                return (
                    f"{dotted} is written as a flow mapping ({{...}}) or is not a mapping: it takes no lines"
                )
            mapping, plain = child, inner
        return None

    def _keys(self, point: int, column: int, step: int, path: tuple[str, ...], addition: Addition) -> None:
        tree = self.keys.setdefault((point, column), (step, {}))[1]
        for key in path[:-1]:
            tree = tree.setdefault(key, {})
        tree[path[-1]] = addition

    def _extend(self, node: Node, dotted: str, addition: Addition, loaded: Any) -> str | None:
        """Items added to the sequence (or the one-item scalar, or the empty value) written at `node`."""
        if not isinstance(addition.value, tuple):
            return f"{dotted} is set already"
        items = ", ".join(_scalar(item) for item in addition.value)
        text = self.text
        if node.kind == "seq" and node.flow:
            if node.children:
                self.inline.append((node.children[-1].end, f", {items}"))
            else:
                self.inline.append((text.index("[", node.start) + 1, items))
            return None
        if node.kind == "seq":
            first = node.children[0].start
            dash = text.rfind("-", text.rfind("\n", 0, first) + 1, first)
            column = self.column(dash)
            lines = self.items.setdefault((self.line_after(node.end, column), column), [])
            comment = f"  # {addition.comment}" if addition.comment else ""
            lines.extend(f"-{' ' * (first - dash - 1)}{_scalar(item)}{comment}" for item in addition.value)
            return None
        if _empty(node):
            self.inline.append((node.start, f" [{items}]"))
            return None
        single_line = "\n" not in text[node.start : node.end]
        written = node.kind == "scalar" and node.style in (None, "'", '"') and text[node.start] not in "&!"
        if written and single_line and isinstance(loaded, str):
            self.inline.extend(((node.start, "["), (node.end, f", {items}]")))
            return None
        return f"{dotted} is written in a form --harden does not add to (null, a block scalar, a tag)"

    def result(self) -> str:
        """The text with every insertion made. At one line start, deeper lines go first (they belong to
        the mapping that ends there), and a sequence's new items before new keys at its column."""
        edits = [((offset, 0, 0, order), insert) for order, (offset, insert) in enumerate(self.inline)]
        for (point, column), items in self.items.items():
            edits.append(
                ((point, 1, -column, 0), self._block([" " * column + item for item in items], point))
            )
        for (point, column), (step, tree) in self.keys.items():
            edits.append(((point, 1, -column, 1), self._block(list(_rendered(tree, column, step)), point)))
        out, done = [], 0
        for (offset, *_), insert in sorted(edits, key=lambda edit: edit[0]):
            out.append(self.text[done:offset])
            out.append(insert)
            done = offset
        out.append(self.text[done:])
        return "".join(out)

    def _block(self, lines: list[str], point: int) -> str:
        if point == len(self.text) and self.text and not self.text.endswith("\n"):
            return "".join(self.newline + line for line in lines)  # the file keeps no final newline
        return "".join(line + self.newline for line in lines)


def _rendered(tree: dict[str, Any], column: int, step: int) -> Iterator[str]:
    for key, value in tree.items():
        if isinstance(value, dict):
            yield f"{' ' * column}{key}:"
            yield from _rendered(value, column + step, step)
            continue
        shown = (
            f"[{', '.join(_scalar(v) for v in value.value)}]"
            if isinstance(value.value, tuple)
            else _scalar(value.value)
        )
        yield f"{' ' * column}{key}: {shown}" + (f"  # {value.comment}" if value.comment else "")


def _scalar(value: Scalar) -> str:
    """A value as YAML reads it back, in a flow sequence too: plain when that reads back the same."""
    import json

    import yaml

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    try:
        if value and value == value.strip() and yaml.safe_load(f"[{value}]") == [value]:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)
