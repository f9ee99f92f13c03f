"""Which diagnostics a user turned off: selectors, inline pragmas, and the peers' pragmas.

Selectors name rules the way users know them: a code (`DW101`), a code prefix (`DW1`), a name
(`unpinned-base-image`), a category (`base-image-pinning`), or a peer's code (`DL3007`,
`JSONArgsRecommended`). Pragmas are whole comment lines:

- `# dockwise: ignore=DW101,missing-user` on the line(s) above an instruction, for that instruction;
- `# dockwise: ignore-file=DW3` anywhere, for the whole file;
- `# hadolint ignore=DL3008` and `# hadolint global ignore=DL3008`, through the rules' aliases, and
  `# hadolint stage ignore=DL3008` above a FROM, for that whole stage; text after a second `#` is a remark
  (`# hadolint ignore=DL3002 # runs as root to bind port 80`), as hadolint reads it;
- BuildKit's `# check=skip=JSONArgsRecommended` directive (`skip=all` means every rule that has a
  BuildKit counterpart), for the file when it is a parser directive, and for one instruction when it is
  among the comments directly above it (BuildKit merges the first such `check=` comment into the checks of
  that instruction, or of the stage its FROM starts; text after a blank is a remark: `skip=X // why`);
  the directive's `error=true` (a finding of a BuildKit check fails the build) makes those findings errors.

Filtering happens once, after the rules ran; rules never look at pragmas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from dockwise.diagnostics import Diagnostic, FileLocation, Severity
from dockwise.dockerfile.tree import Dockerfile, Trivia
from dockwise.patterns import LazyPattern
from dockwise.record import Record
from dockwise.rules import Rule, rule_by_code

_PRAGMA_HEAD = re.compile(
    r"#*\s*(?P<tool>dockwise|hadolint)\s*(?::\s*)?(?P<scope>(?:global|stage)\s+)?(?P<kind>ignore-file|ignore)\s*=",
    re.IGNORECASE,
)
_PRAGMA_CODES = re.compile(r"[\w.,\s-]+")


def _read_pragma(comment: str) -> tuple[str, str, str] | None:
    """The pragma in `comment`, if it is one: its kind (`ignore` or `ignore-file`), its scope (`global`,
    `stage` or ""), and its codes (a remark after `#` left out). The codes are checked apart from the
    head: one expression for both, ending in `=\\s*(?P<codes>[\\w.,\\s-]+?)\\s*$`, let three quantifiers
    share the blanks and took cubic time on a long comment (10,000 characters ran for minutes)."""
    head = _PRAGMA_HEAD.match(comment)
    if head is None:
        return None
    codes = comment[head.end() :].partition("#")[0].strip()
    if not codes or _PRAGMA_CODES.fullmatch(codes) is None:
        return None
    return head.group("kind").lower(), (head.group("scope") or "").strip().lower(), codes


class Selector(Record):
    """One user-given rule selector, matched against a rule's code, name, category and aliases."""

    __slots__ = ("text",)
    text: str

    def __init__(self, text: str) -> None:
        object.__setattr__(self, "text", text)

    def matches(self, rule: type[Rule]) -> bool:
        wanted = self.text.strip()
        lowered = wanted.lower()
        if not wanted:
            return False
        if lowered == "all":
            return True
        if rule.code.lower().startswith(lowered) and lowered.startswith("dw"):
            return True
        if lowered in (rule.name, str(rule.category)):
            return True
        return any(alias.lower() == lowered for alias in rule.aliases)

    def matches_code(self, rule: type[Rule], code: str) -> bool:
        """Whether this selector names a finding of `rule` with `code`: the whole rule, or, for a rule
        reporting another tool's codes, that code or a prefix of it (`SC2086`, `SC20`)."""
        if self.matches(rule):
            return True
        return (
            code != rule.code
            and self._names_subcodes(rule)
            and code.lower().startswith(self.text.strip().lower())
        )

    def names_part_of(self, rule: type[Rule]) -> bool:
        """Whether a selection with this selector runs `rule`: it names the rule or some of its codes."""
        return self.matches(rule) or self._names_subcodes(rule)

    def _names_subcodes(self, rule: type[Rule]) -> bool:
        prefix = rule.subcode_prefix
        wanted = self.text.strip()
        if not prefix or not wanted.upper().startswith(prefix):
            return False
        return wanted[len(prefix) :].isdecimal()


def parse_selectors(values: Iterable[str]) -> tuple[Selector, ...]:
    """`["DW1,DL3008", "missing-user"]` → selectors (commas and whitespace separate)."""
    return tuple(Selector(part) for value in values for part in re.split(r"[,\s]+", value) if part)


def is_selected(
    rule: type[Rule],
    select: Sequence[Selector],
    ignore: Sequence[Selector],
    enable: Sequence[Selector] = (),
) -> bool:
    """Whether a rule runs: selected (or no selection given) and not ignored.

    An opt-in rule (`default_enabled = False`) needs a selection that matches it, or a selector in
    `enable` (the keys of severity overrides: hadolint turns an off rule on by giving it a severity).
    """
    if any(selector.matches(rule) for selector in ignore):
        return False
    if select:
        return any(selector.names_part_of(rule) for selector in select)
    return rule.default_enabled or any(selector.names_part_of(rule) for selector in enable)


def code_selected(
    rule: type[Rule], code: str, select: Sequence[Selector], ignore: Sequence[Selector]
) -> bool:
    """For a rule that reports another tool's codes: whether the selection keeps its finding `code`
    (`--select SC2086` keeps only that code; `--ignore SC2086` drops it). The rule's own code passes
    whenever the rule runs: it says that the other tool could not run."""
    if code == rule.code:
        return True
    if any(selector.matches_code(rule, code) for selector in ignore):
        return False
    return not select or any(selector.matches_code(rule, code) for selector in select)


class Suppressions(Record):
    """The pragmas of one Dockerfile: selectors for the whole file and per instruction line span."""

    __slots__ = ("file", "spans")
    file: tuple[Selector, ...]
    spans: tuple[tuple[int, int, tuple[Selector, ...]], ...]
    """(first line, last line, selectors) of each instruction that has a pragma above it."""

    def __init__(
        self, file: tuple[Selector, ...], spans: tuple[tuple[int, int, tuple[Selector, ...]], ...]
    ) -> None:
        object.__setattr__(self, "file", file)
        object.__setattr__(self, "spans", spans)

    def suppressed(self, rule: type[Rule], line: int, code: str | None = None) -> bool:
        """Whether a finding of `rule` (with `code`, for a rule reporting another tool's codes) starting on
        1-based `line` is turned off."""
        code = code or rule.code
        if any(selector.matches_code(rule, code) for selector in self.file):
            return True
        return any(
            first <= line <= last and any(selector.matches_code(rule, code) for selector in selectors)
            for first, last, selectors in self.spans
        )


def read_suppressions(dockerfile: Dockerfile, buildkit_check: str | None = None) -> Suppressions:
    """Collect the pragmas of a parsed Dockerfile; `buildkit_check`, BuildKit's check options given to the
    build, replaces the file's `# check=` directive as BuildKit's build argument does."""
    file_selectors: list[Selector] = []
    spans: list[tuple[int, int, tuple[Selector, ...]]] = []
    check = dockerfile.directives.check if buildkit_check is None else buildkit_check
    if check:
        file_selectors.extend(_buildkit_skips(check))
    text = dockerfile.text
    for node in dockerfile.nodes:
        if isinstance(node, Trivia) and node.kind == "comment":
            comment = text[node.start : node.end].strip()
            pragma = _read_pragma(comment)
            if pragma and (pragma[0] == "ignore-file" or pragma[1] == "global"):
                file_selectors.extend(parse_selectors([pragma[2]]))
    instructions = dockerfile.instructions
    for position, instruction in enumerate(instructions):
        if not instruction.comments:
            continue  # pragmas are comments directly above an instruction
        selectors: list[Selector] = []
        stage_selectors: list[Selector] = []
        for comment in instruction.comments:
            pragma = _read_pragma(comment.strip())
            if pragma and pragma[0] == "ignore" and not pragma[1]:
                selectors.extend(parse_selectors([pragma[2]]))
            elif pragma and pragma[0] == "ignore" and pragma[1] == "stage" and instruction.keyword == "FROM":
                stage_selectors.extend(parse_selectors([pragma[2]]))
        selectors.extend(_instruction_check_skips(instruction.comments))
        if selectors:
            spans.append((instruction.start_line, instruction.end_line, tuple(selectors)))
        if stage_selectors:
            following = (i for i in instructions[position + 1 :] if i.keyword == "FROM")
            end = next((i.start_line - 1 for i in following), instructions[-1].end_line)
            spans.append((instruction.start_line, end, tuple(stage_selectors)))
    return Suppressions(tuple(file_selectors), tuple(spans))


_CHECK_COMMENT = LazyPattern(r"(?i)check\s*=\s*(.+?)\s*")
"""A comment's text (without `#`) that BuildKit's directive parser reads as the `check` directive."""


def _instruction_check_skips(comments: Sequence[str]) -> list[Selector]:
    """The checks skipped by the first `check=` comment directly above an instruction, as BuildKit reads it
    (its value ends at the first blank; an option BuildKit cannot read makes it ignore the comment)."""
    for comment in comments:
        match = _CHECK_COMMENT.fullmatch(comment.strip())
        if match is None:
            continue
        value = match.group(1).split(" ", 1)[0]
        if not valid_check_options(value):
            return []
        return _buildkit_skips(value) + _covering_rules(value)
    return []


def _covering_rules(check: str) -> list[Selector]:
    """The dockwise rules that cover a skipped BuildKit check without carrying its code (coverage.py):
    a skip written above one instruction silences them there too, but not a rule for a build failure."""
    from dockwise.rules.coverage import COVERED_WITHOUT_ALIAS

    selectors = []
    for skip in _buildkit_skips(check):
        covering = COVERED_WITHOUT_ALIAS.get(skip.text)
        if covering is not None and covering[0] not in ("DW001", "DW002"):
            selectors.append(Selector(covering[0]))
    return selectors


def valid_check_options(check: str) -> bool:
    """Whether BuildKit accepts `check`: `key=value` parts among skip, experimental and error=<bool>."""
    for part in check.split(";"):
        key, equals, value = part.partition("=")
        key = key.strip()
        if not equals or key not in ("skip", "experimental", "error"):
            return False
        if key == "error" and value.strip().lower() not in _GO_BOOLS:
            return False
    return True


def _errors_on_warnings(check: str) -> bool:
    """Whether BuildKit's check options say `error=true` (a build with a check's finding fails)."""
    if not valid_check_options(check):
        return False
    values = [
        part.partition("=")[2].strip().lower()
        for part in check.split(";")
        if part.strip().startswith("error")
    ]
    return bool(values) and values[-1] in ("1", "t", "true")


def _as_build_error(diagnostic: Diagnostic) -> Diagnostic:
    rule = rule_by_code(diagnostic.code)
    if rule is None or not _BUILDKIT_ALL.matches(rule) or diagnostic.severity is Severity.ERROR:
        return diagnostic
    return diagnostic.replace(severity=Severity.ERROR)


_GO_BOOLS = frozenset(("1", "t", "true", "0", "f", "false"))
"""The spellings Go's strconv.ParseBool accepts (in any of the cases it allows)."""


def _buildkit_skips(check: str) -> list[Selector]:
    """`skip=JSONArgsRecommended,StageNameCasing;error=true` → selectors for the skipped checks."""
    selectors: list[Selector] = []
    for part in check.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() != "skip":
            continue
        for raw_name in value.split(","):
            name = raw_name.strip()
            if name.lower() == "all":
                selectors.append(_BUILDKIT_ALL)
            elif name:
                selectors.append(Selector(name))
    return selectors


_BUILDKIT_CHECK_NAME = LazyPattern(r"[A-Z][A-Za-z]*[a-z][A-Za-z]*")
"""BuildKit's checks are CamelCase words (JSONArgsRecommended); hadolint's, checkov's, trivy's have digits."""


class _AllBuildKitChecks(Selector):
    """`# check=skip=all`: every rule that has a BuildKit check among its aliases."""

    __slots__ = ()

    def matches(self, rule: type[Rule]) -> bool:
        return any(_BUILDKIT_CHECK_NAME.fullmatch(alias) for alias in rule.aliases)


_BUILDKIT_ALL = _AllBuildKitChecks("all")


def filter_diagnostics(
    diagnostics: Iterable[Diagnostic], dockerfile: Dockerfile, buildkit_check: str | None = None
) -> list[Diagnostic]:
    """The diagnostics of `dockerfile` that none of its pragmas turns off (`read_suppressions`); with
    BuildKit's `error=true` check option, the findings of BuildKit's checks are errors, as they fail the
    build."""
    diagnostics = list(diagnostics)
    if not diagnostics:
        return diagnostics
    check = dockerfile.directives.check if buildkit_check is None else buildkit_check
    if check and _errors_on_warnings(check):
        diagnostics = [_as_build_error(diagnostic) for diagnostic in diagnostics]
    suppressions = read_suppressions(dockerfile, buildkit_check)
    if not suppressions.file and not suppressions.spans:
        return diagnostics
    kept = []
    for diagnostic in diagnostics:
        rule = rule_by_code(diagnostic.code)
        location = diagnostic.location
        if rule is not None and isinstance(location, FileLocation):
            line = dockerfile.position(location.range.start).line
            if suppressions.suppressed(rule, line, diagnostic.code):
                continue
        kept.append(diagnostic)
    return kept
