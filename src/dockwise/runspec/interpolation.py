"""Compose's `${VAR}` interpolation (Compose Specification, "Interpolation"), and `.env` files.

Supported forms: `$VAR`, `${VAR}`, `${VAR:-default}` / `${VAR-default}` (default when unset or empty /
when unset), `${VAR:?message}` / `${VAR?message}` (an error), `${VAR:+alternative}` /
`${VAR+alternative}`, nested defaults (`${A:-${B}}`) and `$$` for a literal `$`. Written here because
Compose's grammar is its own (neither `string.Template` nor shell expansion); python-dotenv would read
`.env` but not this.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from dockwise.errors import DockwiseError
from dockwise.runspec.units import shown

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMMENT = re.compile(r"\s#")
MAX_NESTING = 50
"""`${A:-${B:-...}}` deeper than this is refused: real files nest two or three levels, and each level is a
frame of the recursive reader."""


class InterpolationError(DockwiseError, ValueError):
    """`${VAR:?message}` on an unset variable, or a malformed `${...}`."""


def interpolate(text: str, env: Mapping[str, str], missing: list[str] | None = None) -> str:
    """`text` with every variable replaced from `env`.

    `${VAR:?message}` on an unset VAR raises InterpolationError, unless a `missing` list is given: then
    the message is appended to it and the variable expands to "" (a linter reads on; Compose would stop).
    """
    if "$" not in text:
        return text
    return _expand(text, 0, env, None, missing, 0)[0]


def _expand(
    text: str, position: int, env: Mapping[str, str], stop: str | None, missing: list[str] | None, depth: int
) -> tuple[str, int]:
    out: list[str] = []
    while position < len(text):
        char = text[position]
        if stop is not None and char == stop:
            return "".join(out), position
        if char != "$":
            out.append(char)
            position += 1
            continue
        following = text[position + 1 : position + 2]
        if following == "$":
            out.append("$")
            position += 2
        elif following == "{":
            value, position = _braced(text, position + 2, env, missing, depth + 1)
            out.append(value)
        else:
            match = _NAME.match(text, position + 1)
            if match is None:
                out.append("$")
                position += 1
            else:
                out.append(env.get(match.group(0), ""))
                position = match.end()
    if stop is not None:
        raise InterpolationError(f"missing '}}' in {shown(text)}")
    return "".join(out), position


def _braced(
    text: str, position: int, env: Mapping[str, str], missing: list[str] | None, depth: int
) -> tuple[str, int]:
    """`NAME[op word]}` after `${`; returns the value and the position after `}`."""
    if depth > MAX_NESTING:
        raise InterpolationError(f"variables nested more than {MAX_NESTING} levels deep in {shown(text)}")
    match = _NAME.match(text, position)
    if match is None:
        raise InterpolationError(f"invalid interpolation format in {shown(text)}")
    name = match.group(0)
    position = match.end()
    operator = ""
    for candidate in (":-", ":?", ":+", "-", "?", "+"):
        if text.startswith(candidate, position):
            operator = candidate
            position += len(candidate)
            break
    word = ""
    if operator:
        word, position = _expand(text, position, env, "}", missing, depth)
    elif not text.startswith("}", position):
        raise InterpolationError(f"invalid interpolation format in {shown(text)}")
    position += 1  # the closing brace
    value = env.get(name)
    empty = value is None or (operator.startswith(":") and value == "")
    if operator in (":-", "-"):
        return (word if empty else value or ""), position
    if operator in (":?", "?"):
        if empty:
            message = f"required variable {name} is missing a value: {word or name}"
            if missing is None:
                raise InterpolationError(message)
            missing.append(message)
        return value or "", position
    if operator in (":+", "+"):
        return ("" if empty else word), position
    return value or "", position


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=value` lines of a `.env` file: comments, `export`, quotes (with `\\n` in double quotes)."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        name, equals, value = line.partition("=")
        if not equals or not _NAME.fullmatch(name.strip()):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = value.replace("\\n", "\n").replace('\\"', '"')
        else:
            # A comment starts at ` #`. (`re.sub(r"\s+#.*$", ...)` retried every start inside a long run
            # of blanks: quadratic.)
            comment = _COMMENT.search(value)
            if comment is not None:
                value = value[: comment.start()].rstrip()
        values[name.strip()] = value
    return values


class Reference:
    """One `$VAR` or `${VAR<operator>word}` as written (not `$$`), with where it is in its string."""

    __slots__ = ("end", "name", "operator", "start", "word")

    def __init__(self, name: str, operator: str, word: str, start: int, end: int) -> None:
        self.name = name
        self.operator = operator
        """`:-`, `-`, `:?`, `?`, `:+`, `+`, or "" for `$VAR` and `${VAR}`."""
        self.word = word
        """The default, message or alternative as written (it may hold references itself)."""
        self.start = start
        self.end = end


def references(text: str) -> list[Reference]:
    """The variables Compose would interpolate in `text`, outermost only, in order. Malformed ones are
    left out (the loader reports them)."""
    found: list[Reference] = []
    position = text.find("$")
    while 0 <= position < len(text) - 1:
        following = text[position + 1]
        if following == "$":
            position = text.find("$", position + 2)
            continue
        if following == "{":
            end = _closing_brace(text, position + 2)
            match = _NAME.match(text, position + 2)
            if end is not None and match is not None:
                rest = text[match.end() : end]
                operator = next((o for o in (":-", ":?", ":+", "-", "?", "+") if rest.startswith(o)), "")
                if operator or not rest:
                    word = rest[len(operator) :]
                    found.append(Reference(match.group(0), operator, word, position, end + 1))
            position = text.find("$", (end if end is not None else position) + 1)
            continue
        match = _NAME.match(text, position + 1)
        if match is not None:
            found.append(Reference(match.group(0), "", "", position, match.end()))
        position = text.find("$", position + 1)
    return found


def _closing_brace(text: str, position: int) -> int | None:
    """The `}` that closes a `${` whose name starts at `position` (nested `${...}` counted)."""
    depth = 1
    while position < len(text):
        char = text[position]
        if char == "}":
            depth -= 1
            if depth == 0:
                return position
        elif char == "$" and text.startswith("${", position):
            depth += 1
            position += 1
        elif char == "$" and text.startswith("$$", position):
            position += 1
        position += 1
    return None
