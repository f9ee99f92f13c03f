"""Rules about stages and FROM: stage names, `COPY --from` references, and FROM's flags and variables.

Build errors BuildKit itself raises (duplicate stage names, a stage copying from itself, cycles, invalid
names) are DW002's; these are the checks that catch what still builds but is wrong or fragile.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Edit, Fix, Severity, TextRange
from dockwise.dockerfile.build import AUTOMATIC_PLATFORM_ARGS
from dockwise.dockerfile.imageref import InvalidImageReference, parse_image_reference
from dockwise.dockerfile.tree import Instruction
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability

#: Stage names BuildKit gives a meaning of their own (the empty image, the build context).
RESERVED_STAGE_NAMES = frozenset({"scratch", "context"})
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")


def flag_range(instruction: Instruction, name: str) -> TextRange:
    """Where the flag `--name` is written (the keyword when it is missing)."""
    for flag, where in zip(instruction.flags, instruction.flag_ranges, strict=False):
        if flag.split("=", 1)[0] == f"--{name}":
            return where
    return instruction.keyword_range


def _as_word(context: DockerfileContext, instruction: Instruction) -> tuple[str, int] | None:
    """The `AS` keyword of a FROM as written, with its offset in the file."""
    if len(instruction.arguments) != 3 or instruction.arguments[1].lower() != "as":
        return None
    found = instruction.locate(f" {instruction.arguments[1]} ")
    text = context.dockerfile.text[found.start : found.end]
    if text.strip() != instruction.arguments[1]:
        return None
    return instruction.arguments[1], found.start + text.index(instruction.arguments[1])


class CopyFromUnknownStage(DockerfileRule):
    """`COPY --from` names no stage of the file, so BuildKit pulls an image of that name instead.

    BuildKit reads `--from=NAME` as a stage when one is called NAME (in any case, defined earlier or
    later) or has that index, and otherwise as an image to pull. dockwise reports an index with no stage
    behind it, a name that is no valid image reference, and a plain one-word name close to a stage name or
    without tag or registry (`--from=bulider`, `--from=build`): almost always a typo or a removed stage,
    which then fails with "pull access denied" or, worse, copies from a public image of that name. (A
    plain name may also be a named context given with `--build-context`; the message says so.)
    Unlike hadolint's DL3022 it does not report an `--from=$ARG` with a value or a real image reference
    (`--from=nginx:1.27`, `--from=ghcr.io/org/tool`).

    ## Why is this bad?
    The build either fails late with a registry error that does not mention the typo, or copies files from
    whatever image happens to carry that name on Docker Hub.

    ## Example
    ```dockerfile
    FROM golang:1.23 AS builder
    RUN go build -o /out/app .
    FROM gcr.io/distroless/static-debian12
    COPY --from=bulider /out/app /app
    ```

    ## Use instead
    ```dockerfile
    COPY --from=builder /out/app /app
    ```
    """

    code = "DW160"
    name = "copy-from-unknown-stage"
    category = Category.MULTI_STAGE
    severity = Severity.WARNING
    aliases = ("DL3022",)
    checks_triggers = False
    checks_fragments = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        build = context.dockerfile.build
        names = [stage.name.lower() for stage in build.stages if stage.name and "$" not in stage.name]
        for instruction in context.dockerfile.instructions:
            raw = instruction.parsed_flags.from_ if instruction.keyword == "COPY" else None
            if not raw:
                continue
            value = build.expand(instruction, raw) if "$" in raw else raw
            if not value or build.stage(value) is not None:
                continue
            message = self._problem(value, names, len(build.stages))
            if message:
                yield context.diagnostic(self, flag_range(instruction, "from"), message)

    @staticmethod
    def _problem(value: str, names: list[str], count: int) -> str | None:
        if value.isdecimal():
            return f"--from={value}: the file has {count} stage(s), numbered from 0"
        try:
            reference = parse_image_reference(value)
        except InvalidImageReference as error:
            return f"--from={value} is no stage of this file and no valid image reference ({error})"
        import difflib  # only for this message: keeps start-up fast

        close = difflib.get_close_matches(value.lower(), names, n=1, cutoff=0.75)
        if close:
            return f"--from={value} is no stage of this file (did you mean {close[0]}?): it would be pulled"
        plain = "/" not in value and reference.tag is None and reference.digest is None
        if plain and names:
            return (
                f"--from={value} is no stage of this file: unless the build passes --build-context "
                f"{value}=..., BuildKit pulls docker.io/library/{value}:latest (write an image with its tag)"
            )
        return None


class ReservedStageName(DockerfileRule):
    """A stage is called `scratch` or `context`, names BuildKit gives a meaning of their own.

    ## Why is this bad?
    `FROM scratch` means the empty image and `context` is the name of the build context in
    `--build-context` and `COPY --from`; a stage with either name makes the file say something other
    than what it reads like.

    ## Example
    ```dockerfile
    FROM alpine:3.20 AS context
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS build-context
    ```
    """

    code = "DW161"
    name = "reserved-stage-name"
    category = Category.MULTI_STAGE
    severity = Severity.WARNING
    aliases = ("DL3063", "ReservedStageName")

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.stages:
            if stage.name and stage.name.lower() in RESERVED_STAGE_NAMES:
                yield context.diagnostic(
                    self,
                    stage.from_instruction.locate(stage.name),
                    f"stage name {stage.name!r} is reserved by BuildKit: choose another",
                )


class StageNameCasing(DockerfileRule):
    """A stage name with capital letters.

    BuildKit compares stage names without regard to case and shows them in lowercase, so `AS Builder` and
    `--from=builder` are the same stage; the fix writes the name in lowercase (references keep working).

    ## Why is this bad?
    The name in the file differs from the one in build output, `--target` completion and other tools, and
    invites two spellings of one stage in the same file.

    ## Example
    ```dockerfile
    FROM golang:1.23 AS Builder
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.23 AS builder
    ```
    """

    code = "DW162"
    name = "stage-name-casing"
    category = Category.SYNTAX
    severity = Severity.STYLE
    aliases = ("StageNameCasing",)
    fix_availability = FixAvailability.ALWAYS
    fix_safety = (
        "Safe: BuildKit compares stage names case-insensitively (FROM, COPY --from, RUN --mount "
        "from=, --target), so every reference still finds the stage."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.stages:
            reserved = (stage.name or "").lower() in RESERVED_STAGE_NAMES  # DW161's finding
            if stage.name and stage.name != stage.name.lower() and "$" not in stage.name and not reserved:
                where = stage.from_instruction.locate(stage.name)
                fix = Fix("Write the stage name in lowercase", (Edit(where, stage.name.lower()),))
                yield context.diagnostic(
                    self, where, f"stage name {stage.name} should be lowercase: {stage.name.lower()}", fix=fix
                )


class FromAsCasing(DockerfileRule):
    """`FROM ... as name` with the `AS` keyword in another case than `FROM`.

    ## Why is this bad?
    The file reads as if `as` were an argument (an image called `as`?); BuildKit's own check asks for the
    casing of `FROM`.

    ## Example
    ```dockerfile
    FROM node:22 as build
    ```

    ## Use instead
    ```dockerfile
    FROM node:22 AS build
    ```
    """

    code = "DW163"
    name = "from-as-casing"
    category = Category.SYNTAX
    severity = Severity.STYLE
    aliases = ("FromAsCasing",)
    fix_availability = FixAvailability.ALWAYS
    fix_safety = "Safe: `AS` is a case-insensitive keyword; only its spelling changes."

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.stages:
            instruction = stage.from_instruction
            found = _as_word(context, instruction)
            if found is None:
                continue
            word, start = found
            keyword = context.dockerfile.text[instruction.keyword_range.start : instruction.keyword_range.end]
            wanted = "AS" if keyword.isupper() else "as" if keyword.islower() else None
            if wanted is None or word == wanted:
                continue
            where = TextRange(start, start + len(word))
            yield context.diagnostic(
                self,
                where,
                f"{word!r} does not match the casing of {keyword!r}: write {wanted}",
                fix=Fix(f"Write {wanted}", (Edit(where, wanted),)),
            )


class CopyWholeFilesystem(DockerfileRule):
    """`COPY --from=stage / /...`: the whole filesystem of another stage or image.

    ## Why is this bad?
    It copies the other stage's shell, package manager, caches and every tool: the multi-stage build no
    longer makes the image smaller, and files of the target are overwritten wholesale.

    ## Example
    ```dockerfile
    COPY --from=build / /
    ```

    ## Use instead
    ```dockerfile
    COPY --from=build /out/app /usr/local/bin/app
    ```
    """

    code = "DW164"
    name = "copy-whole-filesystem"
    category = Category.MULTI_STAGE
    severity = Severity.WARNING
    aliases = ("DL3067",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.dockerfile.instructions:
            if instruction.keyword != "COPY" or not instruction.parsed_flags.from_:
                continue
            sources = [context.dockerfile.word(source).strip() for source in instruction.arguments[:-1]]
            if any(source in ("/", "/.", "/*") for source in sources):
                yield context.diagnostic(
                    self,
                    instruction.arguments_range,
                    f"copies the whole filesystem of {instruction.parsed_flags.from_}: copy only what the "
                    "image needs",
                )


class ConstantPlatform(DockerfileRule):
    """`FROM --platform=linux/amd64` with a fixed platform.

    Not reported when the stage name says the platform is deliberate, naming its OS or architecture
    (`AS build-amd64`, `AS linux`), as BuildKit does.

    ## Why is this bad?
    A fixed platform makes multi-platform builds produce the wrong architecture silently (an amd64
    binary in the arm64 image, run under emulation or failing with "exec format error").

    ## Example
    ```dockerfile
    FROM --platform=linux/amd64 node:22
    ```

    ## Use instead
    ```dockerfile
    FROM --platform=$BUILDPLATFORM node:22 AS build
    # or no --platform at all for the runtime stage
    FROM node:22
    ```
    """

    code = "DW165"
    name = "constant-platform"
    category = Category.BASE_IMAGE_PINNING
    severity = Severity.WARNING
    aliases = ("DL3029", "FromPlatformFlagConstDisallowed")

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.stages:
            platform = stage.from_instruction.parsed_flags.platform
            if not platform or "$" in platform:
                continue
            # BuildKit lets a stage named for the platform's OS or architecture pin it (`AS linux`,
            # `AS build_arm64`): such a stage exists to build for that platform.
            parts = [part for part in re.split(r"[/,]", platform.lower()) if part]
            if stage.name and any(part in stage.name.lower() for part in parts[:2]):
                continue
            yield context.diagnostic(
                self,
                flag_range(stage.from_instruction, "platform"),
                f"--platform={platform} is fixed: use $BUILDPLATFORM for build stages, or leave it out",
            )


class RedundantTargetPlatform(DockerfileRule):
    """`FROM --platform=$TARGETPLATFORM`: the platform BuildKit uses anyway.

    ## Why is this bad?
    It adds nothing and suggests the stage runs somewhere special; readers look for a reason that isn't
    there.

    ## Example
    ```dockerfile
    FROM --platform=$TARGETPLATFORM alpine:3.20
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ```
    """

    code = "DW166"
    name = "redundant-target-platform"
    category = Category.BASE_IMAGE_PINNING
    severity = Severity.INFO
    aliases = ("DL3065", "RedundantTargetPlatform")
    fix_availability = FixAvailability.ALWAYS
    fix_safety = (
        "Safe: a FROM without --platform already uses the target platform, so the same image is pulled."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.stages:
            instruction = stage.from_instruction
            platform = instruction.parsed_flags.platform
            if platform not in ("$TARGETPLATFORM", "${TARGETPLATFORM}"):
                continue
            where = flag_range(instruction, "platform")
            text = context.dockerfile.text
            end = where.end
            while end < len(text) and text[end] in " \t":
                end += 1
            fix = Fix("Remove --platform", (Edit(TextRange(where.start, end), ""),))
            yield context.diagnostic(
                self, where, "--platform=$TARGETPLATFORM is the default: remove it", fix=fix
            )


class UndefinedArgInFrom(DockerfileRule):
    """FROM uses a variable that no ARG before the first FROM declares.

    Only global ARGs (declared before the first FROM) and BuildKit's automatic platform ARGs
    (`TARGETARCH`, `BUILDPLATFORM` ...) are visible to FROM; an ARG inside a stage is not.

    ## Why is this bad?
    The variable expands to nothing: `FROM node:${NODE_VERSION}` becomes `FROM node:`, a build error,
    or `FROM ${REGISTRY}/app` silently pulls from Docker Hub.

    ## Example
    ```dockerfile
    FROM node:${NODE_VERSION}-slim
    ```

    ## Use instead
    ```dockerfile
    ARG NODE_VERSION=22
    FROM node:${NODE_VERSION}-slim
    ```
    """

    code = "DW167"
    name = "undefined-arg-in-from"
    category = Category.BASE_IMAGE_PINNING
    severity = Severity.WARNING
    aliases = ("UndefinedArgInFrom",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        build = context.dockerfile.build
        known = set(build.global_args) | set(AUTOMATIC_PLATFORM_ARGS)
        for stage in build.stages:
            instruction = stage.from_instruction
            texts = [stage.base_name, instruction.parsed_flags.platform or ""]
            for text in texts:
                for match in _VARIABLE.finditer(text):
                    name = match.group(1) or match.group(2)
                    if name in known or re.search(rf"\$\{{{name}:?[-+?]", text):
                        continue
                    import difflib  # only for this message: keeps start-up fast

                    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.7)
                    hint = f" (did you mean {close[0]}?)" if close else f": declare ARG {name} before FROM"
                    message = f"FROM uses ${name}, which no ARG declares{hint}"
                    yield context.diagnostic(self, instruction.locate(match.group(0)), message)


class InvalidDefaultArgInFrom(DockerfileRule):
    """The base image needs a build argument: with the ARG defaults alone it is no valid image.

    ## Why is this bad?
    `docker build .` without `--build-arg` fails with an unhelpful "invalid reference format"; a default
    documents the expected value and keeps the plain build working.

    ## Example
    ```dockerfile
    ARG VERSION
    FROM alpine:${VERSION}
    ```

    ## Use instead
    ```dockerfile
    ARG VERSION=3.20
    FROM alpine:${VERSION}
    ```
    """

    code = "DW168"
    name = "invalid-default-arg-in-from"
    category = Category.BASE_IMAGE_PINNING
    severity = Severity.WARNING
    aliases = ("InvalidDefaultArgInFrom",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        build = context.dockerfile.build
        known = set(build.global_args) | set(AUTOMATIC_PLATFORM_ARGS)
        for stage in build.stages:
            if "$" not in stage.base_name or stage.base_stage is not None:
                continue
            names = {m.group(1) or m.group(2) for m in _VARIABLE.finditer(stage.base_name)}
            if names - known:
                continue  # a variable no ARG declares: DW167 says so
            expanded = stage.base_expanded
            if expanded == "scratch":
                continue
            try:
                parse_image_reference(expanded)
            except InvalidImageReference:
                pass
            else:
                continue
            yield context.diagnostic(
                self,
                stage.from_instruction.locate(stage.base_name),
                f"with the ARG defaults the base is {expanded!r}, not a valid image: give the ARG a default",
            )
