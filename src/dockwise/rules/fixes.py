"""Building blocks for the fixes rules attach to diagnostics: small, checked text edits.

Every helper returns None when the edit could not be made safely (a word whose source range does not hold
its text, such as one inside a `<<-` heredoc; a RUN that ends in a comment, a continuation or an open
operator): then the diagnostic simply carries no fix.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection

from dockwise.diagnostics import Applicability, Edit, Fix
from dockwise.dockerfile.shell import ShellCommand, ShellWord
from dockwise.dockerfile.tree import Instruction
from dockwise.rules._base import DockerfileContext

#: Endings after which appending `&& more` would change what the script means or not parse.
_OPEN_ENDINGS = ("\\", "&&", "||", "|", "&", "(", "{", "!")


def word_in_source(context: DockerfileContext, word: ShellWord) -> bool:
    """Whether the word's range holds exactly its text (so an edit next to it lands where meant)."""
    start, end = word.range.start, word.range.end
    return context.dockerfile.text[start:end] == word.text


def insert_after_word(
    context: DockerfileContext,
    word: ShellWord | None,
    text: str,
    title: str,
    applicability: Applicability = Applicability.SAFE,
) -> Fix | None:
    """Insert `text` (e.g. " --no-cache") right after `word` (no fix without a word)."""
    if word is None or not word_in_source(context, word):
        return None
    return Fix(title, (Edit.insert(word.range.end, text),), applicability)


def subcommand_word(command: ShellCommand, names: Collection[str], skip: int = 0) -> ShellWord | None:
    """The first static operand among the arguments after the first `skip` ones, if it is in `names`
    (`install` in `apt-get -q install curl`; `skip=2` for `python -m pip install`)."""
    from dockwise.rules.dockerfile.packages import APT_OPTIONS_WITH_VALUE, operands

    for word in operands(command.arguments[skip:], APT_OPTIONS_WITH_VALUE):
        if word.value is not None:
            return word if word.value in names else None
    return None


def append_to_run(
    context: DockerfileContext,
    instruction: Instruction,
    script: str,
    title: str,
    applicability: Applicability = Applicability.SAFE,
) -> Fix | None:
    """Append `&& script` to a shell-form RUN, when its last command is also the end of its text."""
    if instruction.keyword != "RUN" or instruction.is_exec_form or instruction.heredocs:
        return None
    commands = context.run_commands(instruction)
    if not commands:
        return None
    from dockwise.dockerfile.shell import parses_cleanly

    if not parses_cleanly(instruction.arguments[0]):
        return None  # an unclosed quote or `$(` would swallow what is appended, and the fix never settles
    end = instruction.arguments_range.end
    text = context.dockerfile.text
    tail = text[commands[-1].range.end : end]
    if tail.strip(" \t;") or any(text[:end].rstrip().endswith(ending) for ending in _OPEN_ENDINGS):
        return None  # a comment, a closing bracket or a dangling operator after the last command
    joiner = " " if text[:end].rstrip().endswith(";") else " && "
    return Fix(title, (Edit.insert(end, f"{joiner}{script}"),), applicability)


def workdir_at(context: DockerfileContext, instruction: Instruction) -> str | None:
    """The working directory at `instruction` when the Dockerfile sets it (without variables)."""
    stage = context.dockerfile.build.stage_of(instruction)
    workdir: str | None = None
    for each in reversed(stage.lineage()) if stage is not None else ():
        for candidate in each.instructions:
            if candidate.keyword != "WORKDIR" or candidate.index >= instruction.index:
                continue
            value = candidate.arguments[0] if candidate.arguments else ""
            if "$" in value:
                workdir = None
            elif posixpath.isabs(value):
                workdir = value
            elif workdir is not None:
                workdir = posixpath.join(workdir, value)
    return workdir


def wants_cache_mount(context: DockerfileContext) -> bool:
    """Whether the package-cache fixes should mount a BuildKit cache (`package-cache = "mount"`, or "auto"
    in a Dockerfile that already needs BuildKit: a `# syntax=` line, a RUN --mount or a heredoc)."""
    mode = context.options.package_cache
    if mode != "auto":
        return mode == "mount"
    dockerfile = context.dockerfile
    return dockerfile.directives.syntax is not None or any(
        instruction.heredocs or (instruction.keyword == "RUN" and instruction.mounts)
        for instruction in dockerfile.instructions
    )


def mount_caches(instruction: Instruction, mounts: Collection[str], title: str) -> Fix | None:
    """Unsafe: add `--mount=type=cache,target=...` flags (each `mounts` entry is the text after `target=`)
    to a RUN, so what the step caches stays out of the layer. Needs BuildKit, hence unsafe."""
    if instruction.keyword != "RUN" or not mounts:
        return None
    flags = "".join(f" --mount=type=cache,target={mount}" for mount in mounts)
    return Fix(title, (Edit.insert(instruction.keyword_range.end, flags),), Applicability.UNSAFE)
