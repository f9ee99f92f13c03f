"""BuildKit's build-check tests (`frontend/dockerfile/dockerfile_check_test.go`) as `PeerCase`s.

The test file is Go: each case is a `checkLinterWarnings(t, sb, &lintTestParams{...})` call whose Dockerfile,
`.dockerignore` and expected warnings are built from Go literals a few statements earlier. Rather than guess
with regular expressions, this module tokenizes the Go source and evaluates the small subset of expressions
the tests use (strings, `[]byte(...)`, `fmt.Sprintf`/`fmt.Appendf`, `integration.UnixOrWindows` taking the
Unix side, `+`, composite literals, local closures such as a warning-maker) while walking each test function's
statements in order, so a reassigned `dockerfile` variable is read at the call that uses it. Whatever it
cannot evaluate (values known only when the test runs, such as a registry address) makes the case skipped,
with the reason printed.

Which warnings a case expects: BuildKit's lint subrequest (`UnmarshalWarnings` when a test gives them, else
`Warnings`) reports every stage, as dockwise does; the progress stream (`Warnings`) only reachable ones. Lines
are taken from `Warnings` only, the list whose lines BuildKit's test checks.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import PeerCase

TEST_FILE = "frontend/dockerfile/dockerfile_check_test.go"

BUILD_TIME_CHECK = "build-arg:BUILDKIT_DOCKERFILE_CHECK"
"""A frontend attribute that replaces the file's `# check=` directive: dockwise's `buildkit-check` setting."""


class Unsupported(Exception):
    """An expression outside the subset this reader evaluates."""


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str
    rule_case: bool = True
    """False when the case is only about checks dockwise does not cover (then it does not count)."""


# --- tokens ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<space>[ \t\r]+)
      | (?P<comment>//[^\n]*|/\*.*?\*/)
      | (?P<newline>\n)
      | (?P<raw>`[^`]*`)
      | (?P<string>"(?:[^"\\\n]|\\.)*")
      | (?P<char>'(?:[^'\\\n]|\\.)*')
      | (?P<number>\d+)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>:=|\.\.\.|&&|\|\||==|!=|<=|>=|[-+*/%&|!<>=(){}\[\],.;:])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    line = 1
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise Unsupported(f"cannot read Go source at line {line}")
        kind = match.lastgroup or ""
        text = match.group()
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, text, line))
        line += text.count("\n")
        position = match.end()
    return tokens


def _unquote(token: Token) -> str:
    if token.kind == "raw":
        return token.text[1:-1].replace("\r", "")
    body = token.text[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "'": "'", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), body)


# --- values ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Closure:
    params: tuple[str, ...]
    body: tuple[Token, ...]
    """The tokens of the expression after `return`."""


@dataclass(frozen=True)
class Composite:
    type: str
    fields: Mapping[str, object]
    items: tuple[object, ...]


def go_format(template: str, args: list[object]) -> str:
    """`fmt.Sprintf` for the verbs the tests use (%s, %d, %q, %v, %%)."""
    values = iter(args)

    def verb(match: re.Match[str]) -> str:
        if match.group(1) == "%":
            return "%"
        value = next(values)
        if match.group(1) == "q":
            return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        return str(value)

    return re.sub(r"%([sdqv%])", verb, template)


class Evaluator:
    """Evaluates one expression starting at `tokens[position]`; `env` holds the function's variables."""

    def __init__(self, tokens: list[Token] | tuple[Token, ...], env: dict[str, object]) -> None:
        self.tokens = tokens
        self.env = env
        self.position = 0

    def peek(self, offset: int = 0) -> Token:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else Token("eof", "", 0)

    def take(self, text: str | None = None) -> Token:
        token = self.peek()
        if text is not None and token.text != text:
            raise Unsupported(f"expected {text!r} at line {token.line}, found {token.text!r}")
        self.position += 1
        return token

    def skip_newlines(self) -> None:
        while self.peek().kind == "newline":
            self.position += 1

    def expression(self) -> object:
        value = self.operand()
        while self.peek().text == "+":
            self.take()
            self.skip_newlines()
            right = self.operand()
            if not isinstance(value, str) or not isinstance(right, str):
                raise Unsupported("+ of non-strings")
            value += right
        return value

    def arguments(self) -> list[object]:
        self.take("(")
        values: list[object] = []
        self.skip_newlines()
        while self.peek().text != ")":
            values.append(self.element())
            self.skip_newlines()
            if self.peek().text == ",":
                self.take()
                self.skip_newlines()
        self.take(")")
        return values

    def operand(self) -> object:
        token = self.peek()
        if token.kind in ("raw", "string"):
            self.take()
            return _unquote(token)
        if token.kind == "number":
            self.take()
            return int(token.text)
        if token.text == "&":
            self.take()
            return self.operand()
        if token.text == "[":
            return self.slice_or_conversion()
        if token.text == "map":
            return self.map_literal()
        if token.text == "func":
            return self.closure()
        if token.kind != "ident":
            raise Unsupported(f"unexpected {token.text!r} at line {token.line}")
        name = self.qualified_name()
        if self.peek().text == "(":
            return self.call(name)
        if self.peek().text == "{":
            return self.composite(name)
        if name in ("nil", "true", "false"):
            return {"nil": None, "true": True, "false": False}[name]
        if name in self.env:
            value = self.env[name]
            if isinstance(value, Unsupported):
                raise value
            return value
        raise Unsupported(f"unknown name {name} at line {token.line}")

    def qualified_name(self) -> str:
        name = self.take().text
        while self.peek().text == "." and self.peek(1).kind == "ident":
            self.take()
            name += "." + self.take().text
        return name

    def call(self, name: str) -> object:
        args = self.arguments()
        if name == "checkLinterWarnings":
            return args
        for arg in args:
            if isinstance(arg, Unsupported):
                raise arg
        if name in ("fmt.Sprintf",):
            return go_format(str(args[0]), args[1:])
        if name == "fmt.Appendf":
            return go_format(str(args[1]), args[2:])
        if name == "integration.UnixOrWindows":
            return args[0]
        if name == "regexp.MustCompile":
            return ("regexp", args[0])
        closure = self.env.get(name)
        if isinstance(closure, Closure):
            inner = Evaluator(closure.body, {**self.env, **dict(zip(closure.params, args, strict=True))})
            return inner.expression()
        raise Unsupported(f"call of {name}")

    def slice_or_conversion(self) -> object:
        self.take("[")
        self.take("]")
        element = self.qualified_name()
        if element == "byte" and self.peek().text == "(":
            (value,) = self.arguments()
            return value
        return self.composite("[]" + element)

    def map_literal(self) -> object:
        self.take("map")
        self.take("[")
        self.qualified_name()
        self.take("]")
        self.qualified_name()
        return self.composite("map")

    def composite(self, type_name: str) -> Composite:
        self.take("{")
        fields: dict[str, object] = {}
        items: list[object] = []
        self.skip_newlines()
        while self.peek().text != "}":
            if self.peek().kind == "ident" and self.peek(1).text == ":":
                key = self.take().text
                self.take(":")
                self.skip_newlines()
                fields[key] = self.element()
            elif self.peek().text == "{":
                items.append(self.composite(type_name.removeprefix("[]")))
            else:
                first = self.element()
                if self.peek().text == ":":
                    self.take()
                    self.skip_newlines()
                    fields[str(first)] = self.element()
                else:
                    items.append(first)
            self.skip_newlines()
            if self.peek().text == ",":
                self.take()
                self.skip_newlines()
        self.take("}")
        return Composite(type_name, fields, tuple(items))

    def element(self) -> object:
        """A field value; one this reader cannot evaluate is kept as the error, so that only the fields a
        case needs have to be understood."""
        start = self.position
        try:
            return self.expression()
        except Unsupported as error:
            self.position = start
            self.skip_expression()
            return error

    def skip_expression(self) -> None:
        depth = 0
        while self.peek().kind != "eof":
            text = self.peek().text
            if depth == 0 and (text in (",", "}", ")") or self.peek().kind == "newline"):
                return
            if text in "([{":
                depth += 1
            elif text in ")]}":
                depth -= 1
            self.position += 1

    def closure(self) -> Closure:
        self.take("func")
        self.take("(")
        params: list[str] = []
        while self.peek().text != ")":
            params.append(self.take().text)
            while self.peek().text not in (",", ")"):
                self.take()
            if self.peek().text == ",":
                self.take()
        self.take(")")
        while self.peek().text != "{":
            self.take()
        self.take("{")
        self.skip_newlines()
        self.take("return")
        start = self.position
        self.skip_expression()
        body = tuple(self.tokens[start : self.position])
        self.skip_newlines()
        self.take("}")
        return Closure(tuple(params), body)


# --- statements -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckCall:
    """One `checkLinterWarnings` call, evaluated."""

    function: str
    line: int
    params: Composite | Unsupported


def check_calls(source: str) -> Iterator[CheckCall]:
    """Every `checkLinterWarnings(t, sb, &lintTestParams{...})` call, in each function's variable scope."""
    tokens = tokenize(source)
    windows = _windows_branches(tokens)
    env: dict[str, object] = {}
    function = ""
    position = 0
    while position < len(tokens):
        if position in windows:
            position = windows[position]
            continue
        token = tokens[position]
        previous = tokens[position - 1] if position else Token("newline", "\n", 0)
        following = tokens[position + 1] if position + 1 < len(tokens) else Token("eof", "", 0)
        at_statement = previous.kind == "newline" or previous.text == "{"
        if token.text == "func" and following.kind == "ident" and previous.kind == "newline":
            function = following.text  # a top-level function: a test with variables of its own
            env = {}
        if at_statement and token.kind == "ident" and following.text in (":=", "="):
            evaluator = Evaluator(tokens, env)
            evaluator.position = position + 2
            try:
                env[token.text] = evaluator.expression()
            except Unsupported as error:
                env[token.text] = error
                evaluator.skip_expression()
            position = max(evaluator.position, position + 1)
            continue
        if token.text == "checkLinterWarnings" and following.text == "(" and at_statement:
            evaluator = Evaluator(tokens, env)
            evaluator.position = position
            try:
                args = evaluator.expression()
                params = args[2] if isinstance(args, list) and len(args) == 3 else None
                if not isinstance(params, Composite):
                    raise Unsupported("checkLinterWarnings without a lintTestParams literal")
                yield CheckCall(function, token.line, params)
            except Unsupported as error:
                yield CheckCall(function, token.line, error)
                evaluator.skip_expression()
            position = max(evaluator.position, position + 1)
            continue
        position += 1


def _windows_branches(tokens: list[Token]) -> dict[int, int]:
    """Where `integration.UnixOrWindows(func() {...}, func() {...})` runs statements per platform: the start
    of each Windows function literal mapped to its end, so only the Unix statements are read."""
    branches: dict[int, int] = {}
    for position in range(len(tokens) - 3):
        if [t.text for t in tokens[position : position + 4]] != ["integration", ".", "UnixOrWindows", "("]:
            continue
        depth, index, comma = 0, position + 3, None
        while index < len(tokens):
            text = tokens[index].text
            if text in "([{":
                depth += 1
            elif text in ")]}":
                depth -= 1
                if depth == 0:
                    break
            elif text == "," and depth == 1 and comma is None:
                comma = index
            index += 1
        following = next((t for t in tokens[(comma or index) + 1 : index] if t.kind != "newline"), None)
        if comma is not None and following is not None and following.text == "func":
            branches[comma] = index
    return branches


# --- cases ----------------------------------------------------------------------------------------------


def considered_codes() -> frozenset[str]:
    """Every BuildKit check that a dockwise rule covers (by alias, or as coverage.py records)."""
    from dockwise.rules import all_rules
    from dockwise.rules.coverage import BUILDKIT, covering_rules

    rules = all_rules()
    return frozenset(check.code for check in BUILDKIT if covering_rules(check, rules))


def _warnings(value: object) -> list[Composite]:
    if value is None:
        return []
    if isinstance(value, Unsupported):
        raise value
    if not isinstance(value, Composite):
        raise Unsupported("warnings are not a list literal")
    warnings = [item for item in value.items if isinstance(item, Composite)]
    if len(warnings) != len(value.items):
        raise Unsupported("a warning is not a literal")
    return warnings


def case_from_call(call: CheckCall, considered: frozenset[str]) -> PeerCase | Skipped:
    source = f"{TEST_FILE}:{call.line} ({call.function})"
    try:
        if isinstance(call.params, Unsupported):
            raise call.params
        fields = call.params.fields
        dockerfile = fields.get("Dockerfile")
        if isinstance(dockerfile, Unsupported):
            raise dockerfile
        if not isinstance(dockerfile, str):
            raise Unsupported("no Dockerfile literal")
        attrs = fields.get("FrontendAttrs")
        config: dict[str, object] = {}
        if isinstance(attrs, Composite) and BUILD_TIME_CHECK in attrs.fields:
            check = attrs.fields[BUILD_TIME_CHECK]
            if not isinstance(check, str):
                raise Unsupported("a check build argument that is not a literal")
            config["buildkit_check"] = check
        files: dict[str, str] = {}
        ignore = fields.get("DockerIgnore")
        if isinstance(ignore, Unsupported):
            raise ignore
        if isinstance(ignore, str):
            files[".dockerignore"] = ignore
        progress = _warnings(fields.get("Warnings"))
        reported = _warnings(fields["UnmarshalWarnings"]) if "UnmarshalWarnings" in fields else progress
    except Unsupported as error:
        return Skipped(source, f"not evaluated: {error}", _is_rule_case(call, considered))
    lines: dict[str, set[int]] = {}
    for warning in progress:
        rule, line = warning.fields.get("RuleName"), warning.fields.get("Line")
        if isinstance(rule, str) and isinstance(line, int) and line > 0:
            lines.setdefault(rule, set()).add(line)
    expected = frozenset(str(warning.fields.get("RuleName")) for warning in reported)
    return PeerCase(
        peer="buildkit",
        source=source,
        dockerfile=dockerfile,
        considered=considered,
        expected=expected & considered,
        files=files,
        config=config,
        lines={rule: frozenset(found) for rule, found in lines.items() if rule in considered},
    )


def _is_rule_case(call: CheckCall, considered: frozenset[str]) -> bool:
    """Whether an unread case could be about a check dockwise covers: not when every warning it expects is
    one dockwise has no rule for (BuildKit's InvalidBaseImagePlatform needs a registry the test runs)."""
    if isinstance(call.params, Unsupported):
        return True
    try:
        warnings = _warnings(call.params.fields.get("Warnings"))
    except Unsupported:
        return True
    names = {warning.fields.get("RuleName") for warning in warnings}
    return not names or bool(names & considered)


SKIPPED: list[Skipped] = []
"""The cases the last `load_cases` could not read (`benchmarks/peer_agreement.py` reports them)."""


def read_cases(source: str, considered: frozenset[str], report: Callable[[Skipped], None]) -> list[PeerCase]:
    cases: list[PeerCase] = []
    for call in check_calls(source):
        case = case_from_call(call, considered)
        if isinstance(case, Skipped):
            report(case)
        else:
            cases.append(case)
    return cases


def _record_skip(skipped: Skipped) -> None:
    SKIPPED.append(skipped)


def load_cases(checkout: Path) -> list[PeerCase]:
    """The cases of a BuildKit checkout (`git clone https://github.com/moby/buildkit`); the ones it cannot
    read are in `SKIPPED`, with the reason."""
    path = checkout / TEST_FILE
    if not path.is_file():
        raise SystemExit(f"{checkout} is not a BuildKit checkout: {TEST_FILE} is missing")
    SKIPPED.clear()
    return read_cases(path.read_text(encoding="utf-8"), considered_codes(), _record_skip)


if __name__ == "__main__":
    from . import judge

    loaded = load_cases(Path(sys.argv[1]))
    for skipped in SKIPPED:
        print(f"skipped {skipped.source} (rule case: {skipped.rule_case}): {skipped.reason}")
    verdicts = [judge(case) for case in loaded]
    agreeing = sum(verdict.agrees for verdict in verdicts)
    for verdict in verdicts:
        if not verdict.agrees:
            fired = {code: sorted(lines) for code, lines in sorted(verdict.fired.items())}
            wanted = {
                code: sorted(verdict.case.lines.get(code, ())) for code in sorted(verdict.case.expected)
            }
            print(f"DIFF {verdict.case.source}: buildkit {wanted} dockwise {fired}")
    print(f"buildkit: {agreeing}/{len(verdicts)} agree ({100 * agreeing / max(len(verdicts), 1):.1f}%)")
