"""Rules about how instructions are written: casing, continuation lines, `KEY=value`, ONBUILD triggers,
and the variables BuildKit expands while building."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Edit, Fix, Severity, TextRange
from dockwise.dockerfile.build import AUTOMATIC_PLATFORM_ARGS, PREDEFINED_PROXY_ARGS, Stage
from dockwise.dockerfile.tree import Instruction
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability
from dockwise.rules.dockerfile.instruction_fixes import legacy_key_value
from dockwise.rules.dockerfile.stage_rules import flag_range


def _written_keyword(context: DockerfileContext, instruction: Instruction) -> str:
    return instruction.keyword_as_written


class InconsistentInstructionCasing(DockerfileRule):
    """An instruction written in another case than most of the file (`run` among `RUN`s, or `Run`).

    ## Why is this bad?
    Mixed casing makes instructions harder to spot and to grep; BuildKit's own check reports it.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    run apk add --no-cache curl
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl
    ```
    """

    code = "DW050"
    name = "inconsistent-instruction-casing"
    category = Category.SYNTAX
    severity = Severity.STYLE
    aliases = ("ConsistentInstructionCasing",)
    fix_availability = FixAvailability.ALWAYS
    checks_triggers = False
    fix_safety = "Safe: BuildKit reads instruction keywords in any case; only the spelling changes."

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        instructions = list(context.dockerfile.instructions)
        words = [_written_keyword(context, i) for i in instructions]
        casing = Counter("upper" if w.isupper() else "lower" if w.islower() else "mixed" for w in words)
        majority = "lower" if casing["lower"] > casing["upper"] else "upper"
        for instruction, word in zip(instructions, words, strict=True):
            wanted = word.lower() if majority == "lower" else word.upper()
            if word == wanted:
                continue
            yield context.diagnostic(
                self,
                instruction.keyword_range,
                f"{word} is not in the file's {majority}case: write {wanted}",
                fix=Fix(f"Write {wanted}", (Edit(instruction.keyword_range, wanted),)),
            )


class EmptyContinuationLine(DockerfileRule):
    """An empty line inside an instruction continued with `\\`.

    ## Why is this bad?
    BuildKit skips the empty line, but it reads like the end of the instruction: the next lines look like
    a new one. Empty continuation lines are deprecated and may become an error.

    ## Example
    ```dockerfile
    RUN apk add --no-cache \\

        curl
    ```

    ## Use instead
    ```dockerfile
    RUN apk add --no-cache \\
        curl
    ```
    """

    code = "DW051"
    name = "empty-continuation-line"
    category = Category.SYNTAX
    severity = Severity.WARNING
    aliases = ("NoEmptyContinuation",)
    fix_availability = FixAvailability.ALWAYS
    checks_triggers = False
    fix_safety = (
        "Safe: BuildKit skips empty lines inside a continued instruction, so removing them leaves the "
        "instruction it parses unchanged."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        text = context.dockerfile.text
        for instruction in context.dockerfile.instructions:
            if instruction.heredocs or instruction.start_line == instruction.end_line:
                continue
            start, end = instruction.source_range.start, instruction.content_end
            lines = text[start:end].splitlines(keepends=True)
            empty: list[TextRange] = []
            position = start + len(lines[0])
            for line in lines[1:-1]:
                if not line.strip():
                    empty.append(TextRange(position, position + len(line)))
                position += len(line)
            if empty:
                fix = Fix("Remove the empty lines", tuple(Edit.delete(r) for r in empty))
                yield context.diagnostic(
                    self,
                    instruction.keyword_range,
                    f"{len(empty)} empty line(s) inside this instruction: remove them",
                    fix=fix,
                )


#: A value in the legacy form that continues with what looks like more `KEY=value` settings.
_LOOKS_LIKE_PAIRS = re.compile(r"\s[A-Za-z_][A-Za-z0-9_]*=")


class AmbiguousLegacyKeyValue(DockerfileRule):
    """`ENV A b C=d`: the legacy form, with a value that reads like more settings.

    The legacy form (no `=` after the key) sets one variable to the whole rest of the line. That is only
    old-fashioned for `ENV NODE_VERSION 22.11.0` or a deliberate list (`ENV GPG_KEYS k1 k2`), which the
    opt-in DW057 reports as BuildKit does; it is a trap when the rest of the line looks like more
    `KEY=value` pairs, which are then part of the first value.

    ## Why is this bad?
    `ENV APP_ENV production LOG_LEVEL=debug` sets APP_ENV to "production LOG_LEVEL=debug" and no
    LOG_LEVEL at all; the image silently runs with the wrong settings.

    ## Example
    ```dockerfile
    ENV APP_ENV production LOG_LEVEL=debug
    ```

    ## Use instead
    ```dockerfile
    ENV APP_ENV=production LOG_LEVEL=debug
    ```
    """

    code = "DW052"
    name = "ambiguous-legacy-key-value"
    category = Category.DEPRECATED_INSTRUCTION
    severity = Severity.WARNING
    aliases = ("LegacyKeyValueFormat",)
    only_ambiguous: bool = True
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        text = context.dockerfile.text
        for instruction in context.dockerfile.instructions:
            if instruction.keyword not in ("ENV", "LABEL"):
                continue
            span = instruction.arguments_range
            parts = text[span.start : span.end].split(None, 1)
            if len(parts) < 2 or "=" in parts[0]:
                continue
            first, value = parts
            if self.only_ambiguous and not _LOOKS_LIKE_PAIRS.search(value):
                continue
            yield context.diagnostic(
                self,
                span,
                (
                    f"{instruction.keyword} {first} sets one value to the whole rest of the line, "
                    "including what looks like KEY=value: use KEY=value for every setting"
                    if self.only_ambiguous
                    else f"{instruction.keyword} {first} ... uses the legacy form: write {first}=value"
                ),
                fix=legacy_key_value(context, instruction) if not self.only_ambiguous else None,
            )


class LegacyKeyValueFormat(AmbiguousLegacyKeyValue):
    """`ENV KEY value` or `LABEL key value`: the deprecated form without `=` (opt-in).

    BuildKit's LegacyKeyValueFormat check. Official images still use it widely for one-word values, which
    are unambiguous, so dockwise reports those only when asked; the misleading cases are DW052.

    ## Why is this bad?
    The form is deprecated and mixes badly with `KEY=value` pairs in the same file.

    ## Example
    ```dockerfile
    ENV NODE_VERSION 22.11.0
    ```

    ## Use instead
    ```dockerfile
    ENV NODE_VERSION=22.11.0
    ```
    """

    code = "DW057"
    name = "legacy-key-value-format"
    severity = Severity.STYLE
    default_enabled = False
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        'Safe: `KEY="value"` gives the variable or label the same value as the legacy form; no fix is '
        "offered where quotes or escapes in the value would have to be re-quoted."
    )
    only_ambiguous = False


class InvalidOnbuildTrigger(DockerfileRule):
    """`ONBUILD ONBUILD`, `ONBUILD FROM` or `ONBUILD MAINTAINER`: triggers that child builds fail on.

    ## Why is this bad?
    BuildKit refuses these triggers when an image is built FROM this one: the mistake shows up in someone
    else's build, far from its cause.

    ## Example
    ```dockerfile
    ONBUILD FROM alpine:3.20
    ```

    ## Use instead
    ```dockerfile
    ONBUILD COPY . /app/src
    ```
    """

    code = "DW053"
    name = "invalid-onbuild-trigger"
    category = Category.SYNTAX
    severity = Severity.ERROR
    aliases = ("DL3043",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.dockerfile.instructions:
            trigger = instruction.onbuild
            if trigger is not None and trigger.keyword in ("ONBUILD", "FROM", "MAINTAINER"):
                yield context.diagnostic(
                    self, trigger.keyword_range, f"{trigger.keyword} is not allowed as an ONBUILD trigger"
                )


class EnvReferencesSameStatement(DockerfileRule):
    """`ENV A=1 B=$A`: a variable used in the ENV statement that sets it.

    ## Why is this bad?
    BuildKit expands every value with the variables from before the statement, so `B` gets the old value
    of `A` (or nothing), not the new one.

    ## Example
    ```dockerfile
    ENV APP_HOME=/srv/app APP_DATA=$APP_HOME/data
    ```

    ## Use instead
    ```dockerfile
    ENV APP_HOME=/srv/app
    ENV APP_DATA=$APP_HOME/data
    ```
    """

    code = "DW054"
    name = "env-references-same-statement"
    category = Category.SYNTAX
    severity = Severity.WARNING
    aliases = ("DL3044",)
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.dockerfile.instructions:
            if instruction.keyword != "ENV":
                continue
            if len(instruction.arguments) < 4:
                continue  # one pair: nothing set earlier in the statement to read
            pairs = list(zip(instruction.arguments[::2], instruction.arguments[1::2], strict=False))
            for index, (key, value) in enumerate(pairs):
                expanded = _SINGLE_QUOTED.sub("", value)  # BuildKit expands nothing in single quotes
                for earlier, earlier_value in pairs[:index]:
                    if _is_self_copy(earlier, earlier_value):
                        continue  # `K=${K}` leaves K as it was: reading it later in the statement is the same
                    if re.search(rf"(?<!\\)\$(?:\{{{re.escape(earlier)}\b|{re.escape(earlier)}\b)", expanded):
                        yield context.diagnostic(
                            self,
                            instruction.locate(f"{key}={value}"),
                            f"${earlier} here is the value from before this ENV, not the one it sets: "
                            f"set {earlier} in an earlier ENV",
                        )


_SINGLE_QUOTED = re.compile(r"'[^']*'")


def _is_self_copy(name: str, value: str) -> bool:
    return value.strip('"') in (f"${name}", f"${{{name}}}")


#: Instructions whose arguments BuildKit expands with ARG and ENV values.
_EXPANDED = frozenset({"ADD", "COPY", "ENV", "EXPOSE", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"})
_REFERENCE = re.compile(r"(?<!\\)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+?])?|([A-Za-z_][A-Za-z0-9_]*))")


class UndefinedVariable(DockerfileRule):
    """A variable BuildKit expands while building (in COPY, ENV, WORKDIR, USER ...) that is not defined.

    The variables a base image sets are unknown to a linter, so dockwise reports an undefined name only
    when it is certainly wrong: the stage is built from `scratch` (nothing is inherited), or the name is a
    near-miss of a variable the Dockerfile defines (`$APP_HOEM` for `$APP_HOME`). `${X:-default}`,
    `${X:+word}` and `${X:?message}` handle an unset X on purpose and are never reported; RUN and CMD are
    expanded by the shell at run time, not by BuildKit, and are left out.

    ## Why is this bad?
    An undefined variable expands to nothing: `COPY app $APP_HOEM/` copies to `/`, `WORKDIR $APPDIR`
    stays where it was. The build succeeds and the image is wrong.

    ## Example
    ```dockerfile
    ENV APP_HOME=/srv/app
    WORKDIR $APP_HOEM
    ```

    ## Use instead
    ```dockerfile
    ENV APP_HOME=/srv/app
    WORKDIR $APP_HOME
    ```
    """

    code = "DW055"
    name = "undefined-variable"
    category = Category.SYNTAX
    severity = Severity.WARNING
    aliases = ("UndefinedVar",)
    checks_triggers = False
    checks_fragments = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        build = context.dockerfile.build
        for stage in build.stages:
            from_scratch = stage.lineage()[-1].is_scratch
            declared = _declarations(stage.lineage())
            for instruction in stage.instructions:
                if instruction.keyword not in _EXPANDED:
                    continue
                if not any("$" in text for text in (*instruction.arguments, *instruction.flags)):
                    continue  # nothing to expand: skip the scope lookups, most instructions end here
                known = set(build.variables_before(instruction)) | set(AUTOMATIC_PLATFORM_ARGS)
                known |= PREDEFINED_PROXY_ARGS | {"PATH"}  # BuildKit gives every stage a default PATH
                # `ARG foo` with no value declares foo: BuildKit takes it as defined (it expands to nothing
                # unless --build-arg gives it); a build argument this stage declares only further down is
                # not defined yet (an ENV further down may be re-setting what the base image sets).
                known |= {name for name, _, index in declared if index < instruction.index}
                later = {
                    name: index for name, keyword, index in reversed(declared)
                    if index > instruction.index and keyword == "ARG"
                }  # fmt: skip
                texts: list[tuple[str, str | None]] = [(text, None) for text in instruction.arguments]
                texts += [(flag, flag[2:].split("=", 1)[0]) for flag in instruction.flags]
                if instruction.keyword == "ENV":
                    texts = [(text, None) for text in instruction.arguments[1::2]]
                reported: set[str] = set()
                for text, flag in texts:
                    for match in _REFERENCE.finditer(_SINGLE_QUOTED.sub(_blank, text)):
                        name = match.group(1) or match.group(3)
                        if match.group(2) or name in known or name in reported:
                            continue
                        close = [other for other in sorted(known) if _is_typo_of(name, other)]
                        if not close and not from_scratch and name not in later:
                            continue
                        reported.add(name)
                        hint = f" (did you mean {close[0]}?)" if close else ""
                        if name in later:
                            line = context.dockerfile.instructions[later[name]].start_line
                            hint = f" (its ARG comes later, on line {line})"
                        reference = match.group(0)
                        if reference.startswith("${") and text[match.end() : match.end() + 1] == "}":
                            reference += "}"
                        where = flag_range(instruction, flag) if flag else instruction.locate(reference)
                        yield context.diagnostic(
                            self, where, f"${name} is not defined here and expands to nothing{hint}"
                        )


def _declarations(lineage: list[Stage]) -> list[tuple[str, str, int]]:
    """(name, keyword, instruction index) of every ARG and ENV in a stage and the stages it is built FROM."""
    found: list[tuple[str, str, int]] = []
    for stage in lineage:
        for instruction in stage.instructions:
            if instruction.keyword == "ARG":
                found += [(word.split("=", 1)[0], "ARG", instruction.index) for word in instruction.arguments]
            elif instruction.keyword == "ENV":
                found += [(key, "ENV", instruction.index) for key in instruction.arguments[::2]]
    return found


def _blank(match: re.Match[str]) -> str:
    """Single-quoted text replaced by as many spaces, so offsets stay where they were."""
    return " " * len(match.group(0))


def _is_typo_of(name: str, other: str) -> bool:
    """A slip of one key or two swapped ones (`APP_HOEM`, `NODE_VERION`), not another word (`PATH` and
    `GOPATH`, `ORACLE_PWD` and `ORACLE_PDB`: a base image may well set the other one)."""
    if len(name) < 4 or abs(len(name) - len(other)) > 1 or name == other:
        return False
    if name.lower() == other.lower():
        return True
    # Optimal string alignment distance: edits and swaps of neighbours.
    previous2: list[int] = []
    previous = list(range(len(other) + 1))
    for i, a in enumerate(name, 1):
        current = [i] + [0] * len(other)
        for j, b in enumerate(other, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == other[j - 2] and name[i - 2] == b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1] <= 1


_LABEL_KEY = re.compile(r"[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*")
_RESERVED_LABEL_PREFIXES = ("com.docker.", "io.docker.", "org.dockerproject.")


class InvalidLabelKey(DockerfileRule):
    """A LABEL key outside Docker's key format, or in a namespace Docker reserves.

    Keys are lowercase letters and digits separated by single dots or dashes, starting with a letter and
    ending with a letter or digit; `com.docker.*`, `io.docker.*` and `org.dockerproject.*` belong to Docker.

    ## Why is this bad?
    Tools that read labels (registries, scanners, `docker inspect --format`, Kubernetes annotations copied
    from them) expect that format; keys in Docker's namespaces may clash with what Docker writes.

    ## Example
    ```dockerfile
    LABEL Version=1.0 com.docker.owner=me
    ```

    ## Use instead
    ```dockerfile
    LABEL org.opencontainers.image.version=1.0 com.example.owner=me
    ```
    """

    code = "DW056"
    name = "invalid-label-key"
    category = Category.LABELS_METADATA
    severity = Severity.STYLE
    aliases = ("DL3048",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.dockerfile.instructions:
            if instruction.keyword != "LABEL":
                continue
            for raw in instruction.arguments[::2]:
                key = raw.strip("\"'")
                if "$" in key:
                    continue
                if key.startswith(_RESERVED_LABEL_PREFIXES):
                    problem = "is in a namespace Docker reserves"
                elif not _LABEL_KEY.fullmatch(key):
                    problem = "is not lowercase letters and digits separated by single dots or dashes"
                else:
                    continue
                yield context.diagnostic(self, instruction.locate(raw), f"label key {key!r} {problem}")
