"""Rules of the `copy-vs-add`, `workdir-absolute` and `deprecated-instruction` categories, and the SSH port
in `expose-ports` (the other EXPOSE rules, in `expose.py`, are about the syntax of ports)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from dockwise.diagnostics import Applicability, Category, Diagnostic, Fix, Severity
from dockwise.dockerfile.tree import Instruction
from dockwise.patterns import LazyPattern
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability
from dockwise.rules.dockerfile.instruction_fixes import absolute_workdir, add_to_copy, maintainer_to_label

_REMOTE = re.compile(r"^(?:https?://|git@|git://|ssh://)|\.git(?:#.*)?$")
_ARCHIVE = re.compile(r"\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst)$", re.IGNORECASE)
_WINDOWS_ABSOLUTE = LazyPattern(r"^[A-Za-z]:[\\/]")
_HTTP = re.compile(r"^https?://", re.IGNORECASE)
_GIT = LazyPattern(r"\.git(?:#.*)?$")
_HOME_PATH = re.compile(r"~[\w.-]*(?:/|$)")
_SSH_PORT = re.compile(r"(?<!\S)22(?:/tcp)?(?!\S)", re.IGNORECASE)


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
    aliases = ("DL3020", "CKV_DOCKER_4", "DS005")
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Mixed: ADD unpacks any local tar archive it copies, whatever the file is called. The fix is "
        "safe when every source is a file or directory of the build context and no source file is an "
        "archive (read from its first bytes); otherwise it is unsafe, because COPY would copy such an "
        "archive unopened."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.dockerfile.instructions:
            if instruction.keyword != "ADD" or len(instruction.arguments) < 2 or instruction.heredocs:
                continue
            sources = [context.dockerfile.word(source) for source in instruction.arguments[:-1]]
            if any(_REMOTE.search(source) or _ARCHIVE.search(source) for source in sources):
                continue
            yield context.diagnostic(
                self,
                instruction.range,
                "ADD of local files: use COPY (ADD is for URLs and archives)",
                fix=_copy_fix(context, instruction),
            )


#: How the archives ADD unpacks begin: gzip, bzip2, xz, zstd (tar itself is told by "ustar" at 257).
_COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")


def _copy_fix(context: DockerfileContext, instruction: Instruction) -> Fix | None:
    """ADD → COPY: safe when every source is in the build context and no source file is an archive
    (ADD unpacks one whatever its name), unsafe when that cannot be told."""
    fix = add_to_copy(context, instruction)
    if fix is None:
        return None
    folder = context.options.context_dir
    sources = [context.dockerfile.word(source) for source in instruction.arguments[:-1]]
    known = folder is not None and all(
        not any(ch in source for ch in "*?[$\\") and _plain_source(folder / source.lstrip("/"))
        for source in sources
    )  # a source is read in the build context, even one written as an absolute path
    return fix if known else fix.replace(applicability=Applicability.UNSAFE)


def _plain_source(path: Path) -> bool:
    """A directory, or a file of the build context that does not start like an archive."""
    try:
        if path.is_dir():
            return True
        with path.open("rb") as handle:
            head = handle.read(262)
    except OSError:
        return False
    return not head.startswith(_COMPRESSED_MAGIC) and head[257:262] != b"ustar"


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
    aliases = ("DL3000", "CKV_DOCKER_10", "DS009")
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = "Safe: the WORKDIR becomes the absolute path the relative one resolved to."

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        build = context.dockerfile.build
        for instruction in context.dockerfile.instructions:
            if instruction.keyword != "WORKDIR" or not instruction.arguments:
                continue
            path = build.expand(instruction, instruction.arguments[0]).strip("\"'")
            if not path or path.startswith(("/", "~")) or _WINDOWS_ABSOLUTE.match(path) or "$" in path:
                continue  # absolute, a variable, or `~` (DW505 explains that one)
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
    aliases = ("DL4000", "MaintainerDeprecated", "CKV_DOCKER_6", "DS022")
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Unsafe: the author moves from the image's Author field (`docker inspect` .Author, which "
        "becomes empty) to the `org.opencontainers.image.authors` label."
    )

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
            sources = [context.dockerfile.word(source) for source in instruction.arguments[:-1]]
            urls = [s for s in sources if _HTTP.match(s) and not _GIT.search(s)]
            if urls:
                yield context.diagnostic(
                    self, instruction.range, f"{urls[0]} is downloaded without --checksum: pin its sha256"
                )


def _starts_with_home(value: str) -> bool:
    """Whether a path, as written, starts with `~` or `~user` (which only a shell expands)."""
    return "~" in value and _HOME_PATH.match(value.strip("\"'")) is not None


class TildeInPath(DockerfileRule):
    """A WORKDIR, COPY/ADD destination or ENV value that starts with `~`, which Docker does not expand.

    Only a shell expands `~`; BuildKit takes it literally (moby/buildkit#2176), and a variable's value is
    not tilde-expanded when the shell later reads it either.

    ## Why is this bad?
    `COPY .bashrc ~/` copies into a directory named `~` under the WORKDIR (`/~/.bashrc`), not into the
    home directory; `WORKDIR ~` moves to `/~`; `ENV NVM_DIR=~/.nvm` makes every use of `$NVM_DIR` point at
    a relative `~/.nvm`. The build succeeds and the files are not where the image looks for them.

    ## Example
    ```dockerfile
    USER app
    COPY --chown=app config.toml ~/.config/app/
    ```

    ## Use instead
    ```dockerfile
    USER app
    COPY --chown=app config.toml /home/app/.config/app/
    ```
    """

    code = "DW505"
    name = "tilde-in-path"
    category = Category.WORKDIR_ABSOLUTE
    severity = Severity.ERROR

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.dockerfile.instructions:
            words = instruction.arguments
            if instruction.keyword == "WORKDIR" and words and _starts_with_home(words[0]):
                found = [(words[0], "WORKDIR does not expand ~: it moves to a directory named ~")]
            elif instruction.keyword in ("COPY", "ADD") and len(words) >= 2 and _starts_with_home(words[-1]):
                found = [
                    (
                        words[-1],
                        f"{instruction.keyword} does not expand ~: it copies into a directory named ~",
                    )
                ]
            elif instruction.keyword == "ENV":
                found = [
                    (value, f"ENV does not expand ~: {key} holds a relative path starting with ~")
                    for key, value in zip(words[::2], words[1::2], strict=False)
                    if _starts_with_home(value)
                ]
            else:
                continue
            for path, problem in found:
                yield context.diagnostic(
                    self,
                    instruction.locate(path),
                    f"{problem}; write the absolute path (/root/..., /home/<user>/..., or $HOME in a RUN)",
                )


class ExposedSshPort(DockerfileRule):
    """The shipped image EXPOSEs port 22 (SSH).

    Opt-in: a git server or an SSH bastion image exposes 22 on purpose.

    ## Why is this bad?
    An SSH daemon in a container is a second way in, with its own keys and passwords to manage, and a
    second process to supervise; `docker exec` (or `kubectl exec`) already gives a shell when one is
    needed.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends openssh-server
    EXPOSE 22 8080
    ```

    ## Use instead
    ```dockerfile
    EXPOSE 8080
    ```
    """

    code = "DW506"
    name = "exposed-ssh-port"
    category = Category.EXPOSE_PORTS
    severity = Severity.WARNING
    aliases = ("CKV_DOCKER_1", "DS004")
    default_enabled = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.shipped_instructions():
            if instruction.keyword != "EXPOSE":
                continue
            start, end = instruction.arguments_span
            for match in _SSH_PORT.finditer(instruction.line, start, end):
                yield context.diagnostic(
                    self,
                    instruction.offsets.range(match.start(), match.end()),
                    f"EXPOSE {match.group(0)} invites an SSH daemon into the image: use `docker exec` for a "
                    "shell instead",
                )
