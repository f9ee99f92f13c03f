"""Rules about COPY and ADD paths: several sources into one file, destinations relative to an unknown
WORKDIR, and sources the build context leaves out (`.dockerignore`)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.dockerfile.tree import Instruction
from dockwise.rules._base import DockerfileContext, DockerfileRule

if TYPE_CHECKING:
    pass

_WILDCARDS = frozenset("*?[")


def _copies(context: DockerfileContext) -> Iterator[Instruction]:
    """COPY and ADD instructions with sources and a destination (heredoc bodies left out)."""
    for instruction in context.dockerfile.instructions:
        if instruction.copies_files:
            yield instruction


class CopySourcesIntoFile(DockerfileRule):
    """COPY or ADD of several sources to a destination that does not end in `/`.

    ## Why is this bad?
    BuildKit refuses it ("When using COPY with more than one source file, the destination must be a
    directory and end with a /"): the build fails.

    ## Example
    ```dockerfile
    COPY package.json package-lock.json /app
    ```

    ## Use instead
    ```dockerfile
    COPY package.json package-lock.json /app/
    ```
    """

    code = "DW570"
    name = "copy-sources-into-file"
    category = Category.SYNTAX
    severity = Severity.ERROR
    aliases = ("DL3021",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in _copies(context):
            sources, destination = instruction.arguments[:-1], instruction.arguments[-1]
            path = context.dockerfile.word(destination)
            if len(sources) > 1 and not path.endswith("/") and "$" not in path:
                yield context.diagnostic(
                    self,
                    instruction.locate(destination),
                    f"{len(sources)} sources need a directory destination ending in /: {destination}/",
                )


class RelativeDestinationWithoutWorkdir(DockerfileRule):
    """COPY or ADD to a relative destination in a stage whose WORKDIR the file never sets.

    The files land relative to the base image's WORKDIR, which the Dockerfile does not show and which
    changes when the base does. Not reported in stages built from `scratch` (whose WORKDIR is `/`).

    ## Why is this bad?
    `COPY app.py .` puts the file in `/` on one base and in `/usr/src/app` on another; the CMD that
    expects it elsewhere fails only at run time.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY app.py .
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY app.py .
    ```
    """

    code = "DW571"
    name = "relative-destination-without-workdir"
    category = Category.WORKDIR_ABSOLUTE
    severity = Severity.WARNING
    aliases = ("DL3045",)
    checks_triggers = False
    checks_fragments = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        build = context.dockerfile.build
        for instruction in _copies(context):
            destination = instruction.arguments[-1]
            path = context.dockerfile.word(destination)
            if posixpath.isabs(path) or path.startswith(("$", "~")) or ":" in path[:3]:
                continue  # absolute, a variable, or a Windows path (C:\\...)
            stage = build.stage_of(instruction)
            if stage is None or stage.lineage()[-1].is_scratch:
                continue
            has_workdir = any(
                i.keyword == "WORKDIR" and i.index < instruction.index
                for each in stage.lineage()
                for i in each.instructions
            )
            if not has_workdir:
                yield context.diagnostic(
                    self,
                    instruction.locate(destination),
                    f"{destination} is relative to the base image's WORKDIR, which this file never sets: "
                    "set WORKDIR first or use an absolute path",
                )


class CopyIgnoredFile(DockerfileRule):
    """COPY or ADD of a path that `.dockerignore` leaves out of the build context.

    Reads `<Dockerfile>.dockerignore` next to the Dockerfile when it exists (BuildKit prefers it), else
    the context's `.dockerignore`, with Docker's matching rules (`**`, `!` exceptions, last match wins).
    Only literal sources are checked (no wildcards, variables or URLs); nothing is reported for a
    Dockerfile read from standard input, whose context is unknown.

    ## Why is this bad?
    The build fails with "not found", or, for a directory with exceptions, copies less than it says.

    ## Example
    ```dockerfile
    # .dockerignore contains: config/
    COPY config/app.yaml /etc/app/
    ```

    ## Use instead
    ```dockerfile
    # remove config/ from .dockerignore, or add an exception: !config/app.yaml
    COPY config/app.yaml /etc/app/
    ```
    """

    code = "DW572"
    name = "copy-ignored-file"
    category = Category.SYNTAX
    severity = Severity.WARNING
    aliases = ("CopyIgnoredFile",)
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        folder = context.options.context_dir
        if folder is None:
            return
        from dockwise.discovery import DockerIgnore

        ignore = DockerIgnore.for_build(folder, folder / Path(context.path).name)
        if ignore is None:
            return
        source_name, rules = ignore[0].name, ignore[1]
        for instruction in _copies(context):
            if instruction.parsed_flags.from_:
                continue
            for raw in instruction.arguments[:-1]:
                source = context.dockerfile.word(raw)
                if "$" in source or "://" in source or _WILDCARDS & set(source) or source.startswith("git@"):
                    continue
                relative = posixpath.normpath(source.lstrip("/"))
                if relative.startswith(".."):
                    continue
                if relative in (".", "") and not rules.ignores_everything:
                    continue
                if relative in (".", ""):
                    message = f"{source_name} excludes every file of the context: {source} copies nothing"
                elif rules.excludes(relative):
                    message = f"{source} is excluded by {source_name}: the build cannot copy it"
                else:
                    continue
                yield context.diagnostic(self, instruction.locate(raw), message)
