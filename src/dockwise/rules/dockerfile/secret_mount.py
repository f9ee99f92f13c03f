"""The secret fix of DW305: a credential file COPY'd for the build becomes a `RUN --mount=type=secret`.

The COPY (or the secret's word in it) goes away, every later RUN of the stage mounts the secret at the
same path, and an `rm` of the file in those RUNs is dropped (the file is a mount now, and a mount point
cannot be removed). The build then needs `--secret id=ID,src=PATH`, so the fix is unsafe. It is offered
only when some RUN after the COPY can use the secret (a key copied for the running service is not a
build secret), the destination is absolute or the WORKDIR is known, and the COPY has no flags.
"""

from __future__ import annotations

import posixpath
import re

from dockwise.diagnostics import Applicability, Edit, Fix, TextRange
from dockwise.dockerfile.build import Stage
from dockwise.dockerfile.shell import ShellCommand
from dockwise.dockerfile.tree import Instruction
from dockwise.patterns import LazyPattern
from dockwise.rules._base import DockerfileContext
from dockwise.rules.fixes import workdir_at

#: Spaces and line continuations around an `&&`.
_JOINED_AFTER = LazyPattern(r"[\s\\]*&&[\s\\]*")
_REDIRECTION = LazyPattern(r"[^&|;\n\\]*")


def mount_secret(context: DockerfileContext, stage: Stage, copy: Instruction, source: str) -> Fix | None:
    if copy.flags or copy.keyword != "COPY":
        return None
    target = _target(context, copy, source)
    later_runs = [i for i in stage.instructions if i.keyword == "RUN" and i.index > copy.index]
    if target is None or not later_runs:
        return None
    name = posixpath.basename(source.rstrip("/")).lstrip(".")
    secret_id = re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "secret"
    mount = f" --mount=type=secret,id={secret_id},target={target}"
    edits = [_remove_source(context, copy, source)]
    for run in later_runs:
        if run.is_exec_form:
            return None
        edits.append(Edit.insert(run.keyword_range.end, mount))
        for removal in _removals(context, run, target):
            if removal is None:
                return None
            edits.append(removal)
    if any(edit is None for edit in edits):
        return None
    return Fix(
        f"Mount {source} as a build secret (build with --secret id={secret_id},src={source})",
        tuple(edit for edit in edits if edit is not None),
        Applicability.UNSAFE,
    )


def _target(context: DockerfileContext, copy: Instruction, source: str) -> str | None:
    destination = copy.arguments[-1]
    if destination.endswith("/") or destination in (".", "..") or len(copy.arguments) > 2:
        destination = posixpath.join(destination, posixpath.basename(source.rstrip("/")))
    if "$" in destination:
        return None
    if not posixpath.isabs(destination):
        workdir = workdir_at(context, copy)
        if workdir is None:
            return None
        destination = posixpath.join(workdir, destination)
    return posixpath.normpath(destination)


def _remove_source(context: DockerfileContext, copy: Instruction, source: str) -> Edit | None:
    """Delete the whole COPY when the secret is its only source, else the secret's word in it."""
    if len(copy.arguments) == 2:
        return Edit.delete(copy.source_range)
    found = copy.locate(source)
    text = context.dockerfile.text
    if text[found.start : found.end] != source:
        return None
    end = found.end
    while end < len(text) and text[end] in " \t":
        end += 1
    return Edit.delete(TextRange(found.start, end))


def _removals(context: DockerfileContext, run: Instruction, target: str) -> list[Edit | None]:
    """Edits that drop `rm` commands of the secret from a RUN (None where one cannot be cut cleanly)."""
    commands = context.run_commands(run)
    workdir = workdir_at(context, run)
    edits: list[Edit | None] = []
    for index, command in enumerate(commands):
        mentions = _mentions(command, target, workdir)
        if mentions is None:
            continue
        if not mentions:
            edits.append(None)  # the rm also removes other files: cutting it would change the build
            continue
        text = context.dockerfile.text
        start, end = command.range.start, command.range.end
        before = text[commands[index - 1].range.end : start] if index else ""
        after = text[end : commands[index + 1].range.start] if index + 1 < len(commands) else ""
        kept = _kept_before_and(before)
        if kept is not None:
            # `... && rm .npmrc`: cut from the `&&` (a redirection before it stays with its command)
            cut = start - len(before) + kept
            edits.append(Edit.delete(TextRange(cut, end)))
        elif not before.strip() and _JOINED_AFTER.fullmatch(after):
            edits.append(Edit.delete(TextRange(start, end + len(after))))
        else:
            edits.append(None)
    return edits


def _kept_before_and(between: str) -> int | None:
    """For the text between a command and an `rm` after it, an optional redirection of the command then
    `&&` with blanks and line continuations around it: the length of the redirection, which stays with its
    command. None for any other text. Read by hand: as one expression, the redirection's lazy run and the
    blanks after it shared the spaces, which backtracked quadratically."""
    joined = between.find("&&")
    if joined < 0 or not _JOINED_AFTER.fullmatch(between[joined:]):
        return None
    kept = joined
    while kept and (between[kept - 1].isspace() or between[kept - 1] == "\\"):
        kept -= 1
    return kept if _REDIRECTION.fullmatch(between[:kept]) else None


def _mentions(command: ShellCommand, target: str, workdir: str | None) -> bool | None:
    """For an `rm` of the secret: True when it removes only the secret, False when other files too;
    None when the command is no `rm` of the secret."""
    if command.name != "rm":
        return None
    operands = [value for value in command.values() if not value.startswith("-")]
    resolved = [
        posixpath.normpath(posixpath.join(workdir, value) if workdir is not None else value)
        for value in operands
    ]
    hits = [path == target or path == posixpath.basename(target) for path in resolved]
    if not any(hits):
        return None
    return all(hits)
