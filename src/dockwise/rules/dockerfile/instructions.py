"""Rules of the `copy-vs-add`, `workdir-absolute` and `deprecated-instruction` categories."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability
from dockwise.rules.dockerfile.instruction_fixes import absolute_workdir, add_to_copy, maintainer_to_label

_REMOTE = re.compile(r"^(?:https?://|git@|git://|ssh://)|\.git(?:#.*)?$")
_ARCHIVE = re.compile(r"\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst)$", re.IGNORECASE)
_WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:[\\/]")
_HTTP = re.compile(r"^https?://", re.IGNORECASE)
_GIT = re.compile(r"\.git(?:#.*)?$")


class AddInsteadOfCopy(DockerfileRule):
    """ADD of local files, where COPY says what is meant.

    ## Why is this bad?
    ADD also downloads URLs and unpacks local archives. Used for plain files it hides that intent, and a
    later rename of a file to `.tar.gz` silently changes what lands in the image.

    ## Example
    ```dockerfile
    ADD config.yaml /etc/app/config.yaml
    ```

    ## Use instead
    ```dockerfile
    COPY config.yaml /etc/app/config.yaml
    ```
    """

    code = "DW501"
    name = "add-instead-of-copy"
    category = Category.COPY_VS_ADD
    severity = Severity.WARNING
    aliases = ("DL3020",)
    fix_availability = FixAvailability.SOMETIMES

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.dockerfile.instructions:
            if instruction.keyword != "ADD" or len(instruction.arguments) < 2 or instruction.heredocs:
                continue
            sources = instruction.arguments[:-1]
            if any(_REMOTE.search(source) or _ARCHIVE.search(source) for source in sources):
                continue
            yield context.diagnostic(
                self,
                instruction.range,
                "ADD of local files: use COPY (ADD is for URLs and archives)",
                fix=add_to_copy(context, instruction),
            )


class RelativeWorkdir(DockerfileRule):
    """WORKDIR with a relative path.

    ## Why is this bad?
    A relative WORKDIR is resolved against whatever the previous WORKDIR was, including one set by the
    base image. The same Dockerfile then puts files in different places when the base changes.

    ## Example
    ```dockerfile
    WORKDIR app
    ```

    ## Use instead
    ```dockerfile
    WORKDIR /app
    ```
    """

    code = "DW502"
    name = "relative-workdir"
    category = Category.WORKDIR_ABSOLUTE
    severity = Severity.WARNING
    aliases = ("DL3000",)
    fix_availability = FixAvailability.SOMETIMES

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        build = context.dockerfile.build
        for instruction in context.dockerfile.instructions:
            if instruction.keyword != "WORKDIR" or not instruction.arguments:
                continue
            path = build.expand(instruction, instruction.arguments[0]).strip("\"'")
            if not path or path.startswith("/") or _WINDOWS_ABSOLUTE.match(path) or "$" in path:
                continue
            yield context.diagnostic(
                self,
                instruction.range,
                f"WORKDIR {path} is relative: use an absolute path such as /{path}",
                fix=absolute_workdir(context, instruction),
            )


class DeprecatedMaintainer(DockerfileRule):
    """MAINTAINER is deprecated.

    ## Why is this bad?
    MAINTAINER writes a field that the image specification dropped; tools read the OCI label instead.

    ## Example
    ```dockerfile
    MAINTAINER Jane Doe <jane@example.com>
    ```

    ## Use instead
    ```dockerfile
    LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
    ```
    """

    code = "DW503"
    name = "deprecated-maintainer"
    category = Category.DEPRECATED_INSTRUCTION
    severity = Severity.WARNING
    aliases = ("DL4000", "MaintainerDeprecated")
    fix_availability = FixAvailability.SOMETIMES

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.dockerfile.instructions:
            if instruction.keyword == "MAINTAINER":
                yield context.diagnostic(
                    self,
                    instruction.range,
                    "MAINTAINER is deprecated: use LABEL org.opencontainers.image.authors=...",
                    fix=maintainer_to_label(context, instruction),
                )


class AddRemoteWithoutChecksum(DockerfileRule):
    """ADD of a remote URL without `--checksum`.

    ## Why is this bad?
    `ADD https://...` downloads whatever the server returns at build time. Without a checksum a changed
    or compromised file is built into the image silently, and two builds of one commit can differ.

    ## Example
    ```dockerfile
    ADD https://example.com/tool-1.2.tar.gz /opt/
    ```

    ## Use instead
    ```dockerfile
    ADD --checksum=sha256:<sha256 of the file> https://example.com/tool-1.2.tar.gz /opt/
    ```
    """

    code = "DW504"
    name = "add-remote-without-checksum"
    category = Category.COPY_VS_ADD
    severity = Severity.WARNING
    aliases = ()

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.dockerfile.instructions:
            if instruction.keyword != "ADD" or len(instruction.arguments) < 2:
                continue
            if instruction.parsed_flags.checksum:
                continue
            urls = [s for s in instruction.arguments[:-1] if _HTTP.match(s) and not _GIT.search(s)]
            if urls:
                yield context.diagnostic(
                    self, instruction.range, f"{urls[0]} is downloaded without --checksum: pin its sha256"
                )
