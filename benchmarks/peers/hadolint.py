"""hadolint's own rule tests (`test/Hadolint/Rule/*Spec.hs` of a checkout) as `PeerCase`s.

The specs are Haskell (hspec). This reads the few forms they are written in, not Haskell in general: the
assertions `ruleCatches`, `ruleCatchesNot`, `onBuildRuleCatches` and `onBuildRuleCatchesNot` with the rule
code and the Dockerfile as a string literal, a `Text.unlines [...]` list, or a name bound by `let`; and the
`?config` a spec sets (`allowedRegistries`, `labelSchema`, `strictLabels`), mapped onto dockwise settings.
The onBuild forms wrap every RUN instruction into `ONBUILD RUN`, as hadolint's `test/Helpers.hs` does, and
parse the text with a newline appended, as its helpers do. Whatever cannot be read is returned as a
`Skipped` with the reason, so that the agreement counts it instead of losing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from benchmarks.peers import PeerCase

SPEC_GLOB = "test/Hadolint/Rule/*Spec.hs"
ASSERTIONS = {
    "ruleCatches": (True, False),
    "ruleCatchesNot": (False, False),
    "onBuildRuleCatches": (True, True),
    "onBuildRuleCatchesNot": (False, True),
}
"""Assertion name -> (expects the code to fire, wraps RUN into ONBUILD)."""

#: hadolint's label types (`Hadolint.Rule.LabelType`) -> dockwise's `required-labels` value types.
LABEL_TYPES = {
    "RawText": "text",
    "Url": "url",
    "Rfc3339": "rfc3339",
    "Spdx": "spdx",
    "GitHash": "hash",
    "SemVer": "semver",
    "Email": "email",
}


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str
    rule_case: bool = True
    """False when the assertion is not about a Dockerfile rule (then it does not count against agreement)."""


@dataclass(frozen=True)
class _Token:
    kind: str
    """"str", "name", "sym" or "num"."""
    value: str
    line: int
    column: int


_ESCAPES = {
    "n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b", "f": "\f",
    "v": "\v", "0": "\0",
}  # fmt: skip
_NAME = re.compile(r"\??[A-Za-z_][A-Za-z0-9_']*(?:\.[A-Za-z_][A-Za-z0-9_']*)*")
_LINE_COMMENT = re.compile(r"--+(?=[\s\w\"]|$)")
"""`--` starts a comment unless more symbol characters follow (`-->` is an operator)."""
_SYMBOLS = re.compile(r"<>|[\[\](),={}$]|[^\s\w\"]+")


class SpecSyntaxError(ValueError):
    """A string literal or comment the reader cannot end."""


def tokenize(text: str) -> list[_Token]:
    """The Haskell tokens the specs need: strings (decoded), names, numbers, symbols; no comments."""
    tokens: list[_Token] = []
    index, line, line_start = 0, 1, 0
    while index < len(text):
        char = text[index]
        if char == "\n":
            line, line_start = line + 1, index + 1
            index += 1
        elif char.isspace():
            index += 1
        elif _LINE_COMMENT.match(text, index):
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
        elif text.startswith("{-", index):
            end = text.find("-}", index)
            if end < 0:
                raise SpecSyntaxError(f"line {line}: unterminated block comment")
            line += text.count("\n", index, end)
            line_start = text.rfind("\n", 0, end) + 1 if "\n" in text[index:end] else line_start
            index = end + 2
        elif char == '"':
            value, end, newlines, last_newline = _string(text, index, line)
            tokens.append(_Token("str", value, line, index - line_start + 1))
            if newlines:
                line += newlines
                line_start = last_newline + 1
            index = end
        elif char.isdigit():
            end = index
            while end < len(text) and text[end].isalnum():
                end += 1
            tokens.append(_Token("num", text[index:end], line, index - line_start + 1))
            index = end
        else:
            match = _NAME.match(text, index)
            if match is not None:
                tokens.append(_Token("name", match.group(0), line, index - line_start + 1))
            else:
                match = _SYMBOLS.match(text, index)
                assert match is not None
                tokens.append(_Token("sym", match.group(0), line, index - line_start + 1))
            index = match.end()
    return tokens


def _string(text: str, start: int, line: int) -> tuple[str, int, int, int]:
    """Decode the string literal at `start`: (value, end offset, newlines inside, offset of the last one)."""
    out: list[str] = []
    index = start + 1
    newlines, last_newline = 0, -1
    while index < len(text):
        char = text[index]
        if char == '"':
            return "".join(out), index + 1, newlines, last_newline
        if char == "\n":
            raise SpecSyntaxError(f"line {line}: newline inside a string literal")
        if char != "\\":
            out.append(char)
            index += 1
            continue
        following = text[index + 1 : index + 2]
        if following.isspace():  # a string gap: backslash, white space (newlines too), backslash
            end = index + 1
            while end < len(text) and text[end].isspace():
                if text[end] == "\n":
                    newlines, last_newline = newlines + 1, end
                end += 1
            if text[end : end + 1] != "\\":
                raise SpecSyntaxError(f"line {line}: string gap not closed by a backslash")
            index = end + 1
        elif following == "&":  # the empty escape
            index += 2
        elif following.isdigit():
            end = index + 1
            while end < len(text) and text[end].isdigit():
                end += 1
            out.append(chr(int(text[index + 1 : end])))
            index = end
        elif following in _ESCAPES:
            out.append(_ESCAPES[following])
            index += 2
        else:
            raise SpecSyntaxError(f"line {line}: unknown string escape \\{following}")
    raise SpecSyntaxError(f"line {line}: unterminated string literal")


class _Unreadable(ValueError):
    """An expression outside the forms this reader knows."""


Value = str | list[str]


class _Reader:
    """Walks one spec file's tokens, keeping `let` bindings and the `?config` in force."""

    def __init__(self, tokens: list[_Token], source: str) -> None:
        self.tokens = tokens
        self.source = source
        self.bindings: dict[str, Value] = {}
        self.file_config: dict[str, object] = {}
        self.config: dict[str, object] = {}
        self.it_column: int | None = None
        self.cases: list[PeerCase | Skipped] = []

    def run(self) -> list[PeerCase | Skipped]:
        position = 0
        tokens = self.tokens
        while position < len(tokens):
            token = tokens[position]
            if token.kind == "name" and token.value == "it" and self._next_is_str(position):
                self.it_column = token.column
                self.config = dict(self.file_config)
                position += 1
            elif token.kind == "name" and token.value == "let":
                position = self._let(position)
            elif token.kind == "name" and token.value in ASSERTIONS:
                position = self._assertion(position)
            elif token.kind == "name" and token.value in ("assertChecks", "assertOnBuildChecks"):
                self.cases.append(
                    Skipped(self._where(token), f"{token.value}: not a rule assertion", rule_case=False)
                )
                position += 1
            else:
                position += 1
        return self.cases

    def _next_is_str(self, position: int) -> bool:
        return position + 1 < len(self.tokens) and self.tokens[position + 1].kind == "str"

    def _where(self, token: _Token) -> str:
        return f"{self.source}:{token.line}"

    def _let(self, position: int) -> int:
        """`let NAME = EXPR`, or a layout block of several such bindings after one `let`."""
        tokens = self.tokens
        position += 1
        while (
            position + 1 < len(tokens)
            and tokens[position].kind == "name"
            and tokens[position + 1].value == "="
        ):
            position = self._binding(position)
        return position

    def _binding(self, position: int) -> int:
        tokens = self.tokens
        name = tokens[position].value
        start = position + 2
        if name == "?config":
            config, end = self._config(start)
            in_it = self.it_column is not None and tokens[position].column > self.it_column
            if in_it:
                self.config = config
            else:
                self.file_config = dict(config)
                self.config = dict(config)
            return end
        try:
            value, end = self._expression(start)
        except _Unreadable:
            self.bindings.pop(name, None)
            return start
        self.bindings[name] = value
        return end

    def _config(self, position: int) -> tuple[dict[str, object], int]:
        """`def` or `def { field = value, ... }` -> dockwise settings."""
        tokens = self.tokens
        if tokens[position].value != "def":
            raise SpecSyntaxError(f"{self._where(tokens[position])}: ?config is not built from def")
        config: dict[str, object] = {}
        position += 1
        if position >= len(tokens) or tokens[position].value != "{":
            return config, position
        depth, end = 0, position
        while end < len(tokens):
            if tokens[end].value in ("{", "[", "("):
                depth += 1
            elif tokens[end].value in ("}", "]", ")"):
                depth -= 1
                if depth == 0:
                    break
            end += 1
        body = tokens[position + 1 : end]
        field_starts = [
            i
            for i, token in enumerate(body)
            if token.kind == "name" and i + 1 < len(body) and body[i + 1].value == "="
        ]
        for number, start in enumerate(field_starts):
            stop = field_starts[number + 1] if number + 1 < len(field_starts) else len(body)
            field, values = body[start].value, body[start + 2 : stop]
            strings = [token.value for token in values if token.kind == "str"]
            if field == "allowedRegistries":
                config["trusted_registries"] = tuple(strings)
            elif field == "labelSchema":
                kinds = [
                    token.value.rsplit(".", 1)[-1]
                    for token in values
                    if token.kind == "name" and token.value.rsplit(".", 1)[-1] in LABEL_TYPES
                ]
                if len(kinds) != len(strings):
                    raise SpecSyntaxError(f"{self._where(body[start])}: unreadable labelSchema")
                config["required_labels"] = tuple(
                    (name, LABEL_TYPES[kind]) for name, kind in zip(strings, kinds, strict=True)
                )
            elif field == "strictLabels":
                config["strict_labels"] = any(token.value == "True" for token in values)
            else:
                raise SpecSyntaxError(f"{self._where(body[start])}: unknown config field {field}")
        return config, end + 1

    def _expression(self, position: int) -> tuple[Value, int]:
        """A string, a list of strings, `Text.unlines X`, a bound name, `(X)`, `$ X`, `X <> Y`."""
        value, position = self._term(position)
        while position < len(self.tokens) and self.tokens[position].value == "<>":
            right, position = self._term(position + 1)
            if not isinstance(value, str) or not isinstance(right, str):
                raise _Unreadable("<> of lists")
            value += right
        return value, position

    def _term(self, position: int) -> tuple[Value, int]:
        tokens = self.tokens
        if position >= len(tokens):
            raise _Unreadable("end of file")
        token = tokens[position]
        if token.value == "$":
            return self._expression(position + 1)
        if token.kind == "str":
            return token.value, position + 1
        if token.value == "(":
            value, end = self._expression(position + 1)
            if end >= len(tokens) or tokens[end].value != ")":
                raise _Unreadable("unclosed parenthesis")
            return value, end + 1
        if token.value == "[":
            items: list[str] = []
            position += 1
            while position < len(tokens) and tokens[position].value != "]":
                item, position = self._expression(position)
                if not isinstance(item, str):
                    raise _Unreadable("nested list")
                items.append(item)
                if position < len(tokens) and tokens[position].value == ",":
                    position += 1
            return items, position + 1
        if token.kind == "name" and token.value.rsplit(".", 1)[-1] == "unlines":
            lines, end = self._term(position + 1)
            if not isinstance(lines, list):
                raise _Unreadable("unlines of a non-list")
            return "".join(line + "\n" for line in lines), end
        if token.kind == "name" and token.value in self.bindings:
            return self.bindings[token.value], position + 1
        raise _Unreadable(f"cannot read the expression at {token.value!r}")

    def _assertion(self, position: int) -> int:
        tokens = self.tokens
        token = tokens[position]
        expects, onbuild = ASSERTIONS[token.value]
        try:
            code, start = self._term(position + 1)
        except _Unreadable:
            code, start = [], position + 1
        if not isinstance(code, str):
            self.cases.append(Skipped(self._where(token), f"{token.value} without a readable rule code"))
            return start
        if not _RULE_CODE.fullmatch(code):
            reason = f"{token.value} {code!r}: not a rule code (the spec passes its arguments swapped)"
            self.cases.append(Skipped(self._where(token), reason, rule_case=False))
            return start
        try:
            value, end = self._expression(start)
        except _Unreadable as error:
            self.cases.append(Skipped(self._where(token), f"{code}: {error}"))
            return start
        if not isinstance(value, str):
            self.cases.append(Skipped(self._where(token), f"{code}: the Dockerfile is a list, not text"))
            return end
        text = value + "\n"
        if onbuild:
            text = wrap_runs_in_onbuild(text)
        self.cases.append(
            PeerCase(
                peer="hadolint",
                source=self._where(token),
                dockerfile=text,
                considered=frozenset({code}),
                expected=frozenset({code}) if expects else frozenset(),
                config=dict(self.config),
            )
        )
        return end


_RULE_CODE = re.compile(r"DL\d{4}")
_RUN_START = re.compile(r"^([ \t]*)(run)(?=[ \t]|$)", re.IGNORECASE)


def wrap_runs_in_onbuild(text: str) -> str:
    """Every RUN instruction as `ONBUILD RUN` (hadolint's helper wraps the parsed RUNs, nothing else)."""
    out: list[str] = []
    continued = False
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        wrapped = line
        if not continued and not body.lstrip().startswith("#"):
            match = _RUN_START.match(body)
            if match is not None:
                wrapped = f"{match.group(1)}ONBUILD {line[match.end(1) :]}"
        continue_next = True if body.lstrip().startswith("#") and continued else body.endswith("\\")
        out.append(wrapped)
        continued = continue_next
    return "".join(out)


_ASSERTION_NAME = re.compile(r"\b(?:onBuildR|r)uleCatches(?:Not)?\b")


def read_spec(path: Path, source: str) -> list[PeerCase | Skipped]:
    """The cases of one spec file (`source` names it in the results). A file the reader cannot tokenize
    counts one skip for each assertion name in it, so that its cases are not lost from the total."""
    text = path.read_text(encoding="utf-8")
    try:
        return _Reader(tokenize(text), source).run()
    except SpecSyntaxError as error:
        lost = max(1, len(_ASSERTION_NAME.findall(text)))
        return [Skipped(source, f"unreadable spec: {error}")] * lost


def load_all(checkout: Path) -> list[PeerCase | Skipped]:
    """Every case and every skipped assertion of the rule specs under `checkout`."""
    specs = sorted(checkout.glob(SPEC_GLOB))
    if not specs:
        raise FileNotFoundError(f"{checkout}: no {SPEC_GLOB} (not a hadolint checkout?)")
    found: list[PeerCase | Skipped] = []
    for spec in specs:
        found.extend(read_spec(spec, spec.relative_to(checkout).as_posix()))
    return found


def load_cases(checkout: Path) -> list[PeerCase]:
    """The cases dockwise can be judged on (`load_all` also returns what was skipped, and why)."""
    return [case for case in load_all(checkout) if isinstance(case, PeerCase)]
