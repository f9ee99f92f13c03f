"""Rules of the `labels-metadata` category: the labels a project requires, with values of the right type.

The schema comes from the configuration (`required-labels`, or hadolint's `label-schema`): a label name
and a value type. Without a schema these rules have nothing to check.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from dockwise.diagnostics import Category, Diagnostic, Severity, TextRange
from dockwise.dockerfile.tree import Instruction
from dockwise.patterns import LazyPattern
from dockwise.record import Record
from dockwise.rules._base import DockerfileContext, DockerfileRule

if TYPE_CHECKING:
    from license_expression import Licensing


class _Label(Record):
    __slots__ = ("instruction", "name", "raw_name", "raw_value", "value")
    name: str
    value: str
    raw_name: str
    raw_value: str
    instruction: Instruction

    def __init__(
        self, name: str, value: str, raw_name: str, raw_value: str, instruction: Instruction
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "raw_name", raw_name)
        object.__setattr__(self, "raw_value", raw_value)
        object.__setattr__(self, "instruction", instruction)

    @property
    def range(self) -> TextRange:
        return self.instruction.locate(self.raw_name)

    @property
    def from_build_argument(self) -> bool:
        """The value is filled in at build time (`LABEL revision=$GIT_SHA`): unknown to a linter."""
        return "$" in self.raw_value


def _labels(context: DockerfileContext, instructions: list[Instruction]) -> Iterator[_Label]:
    build = context.dockerfile.build
    for instruction in instructions:
        if instruction.keyword != "LABEL":
            continue
        pairs = instruction.arguments
        for raw_name, raw_value in zip(pairs[::2], pairs[1::2], strict=False):
            name = build.expand(instruction, raw_name)
            yield _Label(name, build.expand(instruction, raw_value), raw_name, raw_value, instruction)


# Semantic Versioning 2.0.0's grammar (semver.org): three numbers without leading zeros, then optional
# pre-release and build parts. One expression; not worth a dependency.
_SEMVER = LazyPattern(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?"
    r"(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?"
)
_RFC3339 = LazyPattern(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_GIT_HASH = LazyPattern(r"[0-9a-f]{7,64}")
# A label is not a mail transport: one `@`, a local part and a dotted domain is what a reader needs.
_EMAIL = LazyPattern(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


@lru_cache(maxsize=1)
def _spdx() -> Licensing:
    # license-expression knows the SPDX license list and expression grammar; imported only when a schema
    # asks for an `spdx` label.
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def _is_spdx(value: str) -> bool:
    from license_expression import ExpressionError

    licensing = _spdx()
    try:
        expression = licensing.parse(value, validate=False)
    except ExpressionError:
        return False
    if expression is None:
        return False
    known = licensing.known_symbols
    return all(
        key in known or key.startswith(("LicenseRef-", "DocumentRef-"))
        for key in licensing.license_keys(expression)
    )


def _is_rfc3339(value: str) -> bool:
    if not _RFC3339.fullmatch(value):
        return False
    from datetime import datetime  # only when a schema asks for a time: keeps it off the start-up path

    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc) and " " not in value


_CHECKS = {
    "url": (_is_url, "an absolute URL"),
    "rfc3339": (_is_rfc3339, "an RFC 3339 date and time such as 2024-05-01T12:00:00Z"),
    "spdx": (_is_spdx, "an SPDX license expression such as Apache-2.0 OR MIT"),
    "hash": (lambda v: bool(_GIT_HASH.fullmatch(v)), "a git commit hash (7 to 64 lowercase hex digits)"),
    "semver": (lambda v: bool(_SEMVER.fullmatch(v)), "a semantic version such as 1.4.2"),
    "email": (lambda v: bool(_EMAIL.fullmatch(v)), "an e-mail address"),
}


class MissingRequiredLabel(DockerfileRule):
    """The shipped image lacks a label that the project's configuration requires.

    ## Why is this bad?
    Labels are how registries, scanners and people find out where an image came from: its source
    repository, revision, licence, maintainer. A project that requires them (`required-labels` in
    `[tool.dockwise]`, or hadolint's `label-schema`) wants every image to carry them. Only the image that
    ships is checked (the final stage and the stages it is built FROM); hadolint asks it of builder
    stages too, which never reach a registry.

    ## Example
    ```dockerfile
    # required-labels = ["org.opencontainers.image.source"]
    FROM python:3.12-slim
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    LABEL org.opencontainers.image.source="https://github.com/acme/app"
    ```
    """

    code = "DW550"
    name = "missing-required-label"
    category = Category.LABELS_METADATA
    severity = Severity.INFO
    aliases = ("DL3049",)
    checks_triggers = False
    checks_fragments = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        final = context.final_stage
        if not context.options.required_labels or final is None:
            return
        present = {label.name for label in _labels(context, context.shipped_instructions())}
        for name, _ in context.options.required_labels:
            if name not in present:
                yield context.diagnostic(
                    self,
                    final.from_instruction.range,
                    f"the image has no label {name}, which the configuration requires",
                )


class InvalidLabelValue(DockerfileRule):
    """A required label is empty, or its value is not of the type the configuration gives it.

    ## Why is this bad?
    A label that tools read must hold what they expect: a URL they can open, a date they can sort, a
    licence expression a compliance scanner understands. An empty or malformed value is as bad as none.
    Values set from build arguments (`$GIT_SHA`) are known only at build time and are not checked.

    ## Example
    ```dockerfile
    # required-labels = { "org.opencontainers.image.created" = "rfc3339" }
    LABEL org.opencontainers.image.created="yesterday"
    ```

    ## Use instead
    ```dockerfile
    ARG CREATED
    LABEL org.opencontainers.image.created=$CREATED
    # docker build --build-arg CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ) .
    ```
    """

    code = "DW551"
    name = "invalid-label-value"
    category = Category.LABELS_METADATA
    severity = Severity.WARNING
    aliases = ("DL3051", "DL3052", "DL3053", "DL3054", "DL3055", "DL3056", "DL3058")

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        schema = dict(context.options.required_labels)
        if not schema:
            return
        for label in _labels(context, list(context.dockerfile.instructions)):
            kind = schema.get(label.name)
            if kind is None or label.from_build_argument:
                continue
            if not label.value.strip():
                yield context.diagnostic(self, label.range, f"label {label.name} is empty")
                continue
            check = _CHECKS.get(kind)
            if check is not None and not check[0](label.value):
                yield context.diagnostic(
                    self,
                    label.range,
                    f"label {label.name}={label.value!r} is not {check[1]}",
                )


class UnlistedLabel(DockerfileRule):
    """A label that is not in the project's label schema, when the schema is strict.

    ## Why is this bad?
    With `strict-labels = true` the label schema is the complete list of labels an image may carry, so a
    misspelt key (`org.opencontainers.image.sorce`) is caught instead of silently shipping. Without
    `strict-labels` this rule checks nothing.

    ## Example
    ```dockerfile
    # required-labels = ["org.opencontainers.image.source"], strict-labels = true
    LABEL org.opencontainers.image.sorce="https://github.com/acme/app"
    ```

    ## Use instead
    ```dockerfile
    LABEL org.opencontainers.image.source="https://github.com/acme/app"
    ```
    """

    code = "DW552"
    name = "unlisted-label"
    category = Category.LABELS_METADATA
    severity = Severity.INFO
    aliases = ("DL3050",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        if not context.options.strict_labels:
            return
        schema = {name for name, _ in context.options.required_labels}
        for label in _labels(context, list(context.dockerfile.instructions)):
            if label.name not in schema:
                yield context.diagnostic(
                    self,
                    label.range,
                    f"label {label.name} is not in the label schema (strict-labels is on)",
                )
