"""Fixes that rewrite one instruction: exec form for CMD/ENTRYPOINT, COPY for a plain ADD, a LABEL for
MAINTAINER, an absolute WORKDIR, `KEY=value` for legacy ENV/LABEL, keyword casing.

Each returns None when the rewrite could change what the instruction means.
"""

from __future__ import annotations

import json
import posixpath
import re

from dockwise.diagnostics import Applicability, Edit, Fix
from dockwise.dockerfile.shell import POSIX_SHELLS, plain_command_words, runs_one_command
from dockwise.dockerfile.tree import Instruction
from dockwise.rules._base import DockerfileContext


def exec_form(context: DockerfileContext, instruction: Instruction) -> Fix | None:
    """Shell-form CMD/ENTRYPOINT → exec form.

    Safe when the command is one plain command (the shell would only have split it into words): the
    words become the JSON array. Otherwise unsafe: the same shell runs it, with `exec` in front so that
    the program replaces the shell as PID 1 and receives the stop signal (one command only: `exec`
    cannot reach past `&&` or a pipe).
    """
    if instruction.is_exec_form or not instruction.arguments or instruction.heredocs:
        return None
    script = instruction.arguments[0]
    shell = context.shell_for(instruction)
    if posixpath.basename(shell[0]) not in POSIX_SHELLS:
        return None
    words = plain_command_words(script)
    if words is not None:
        if words[0] == "exec":
            words = words[1:]
        if not words:
            return None
        return _replace_arguments(instruction, _json(words), "Use the exec form", Applicability.SAFE)
    if not runs_one_command(script) or "\n" in script:
        return None
    command = script.strip()
    if not command.startswith("exec "):
        command = f"exec {command}"
    return _replace_arguments(
        instruction, _json([*shell, command]), "Use the exec form with exec", Applicability.UNSAFE
    )


def add_to_copy(context: DockerfileContext, instruction: Instruction) -> Fix | None:
    """`ADD` of local files → `COPY` (the caller decides that ADD's extras are not used)."""
    if instruction.keyword != "ADD" or any(
        flag.startswith(("--checksum", "--keep-git-dir", "--unpack")) for flag in instruction.flags
    ):
        return None
    return _replace_keyword(context, instruction, "COPY", "Use COPY")


def maintainer_to_label(context: DockerfileContext, instruction: Instruction) -> Fix | None:
    """`MAINTAINER x` → `LABEL org.opencontainers.image.authors="x"`."""
    if instruction.keyword != "MAINTAINER" or not instruction.arguments:
        return None
    author = " ".join(instruction.arguments).strip()
    if not author or "$" in author or context.dockerfile.escape != "\\":
        return None
    quoted = author.replace("\\", "\\\\").replace('"', '\\"')
    keyword = _cased("LABEL", _keyword_text(context, instruction))
    return Fix(
        "Use LABEL org.opencontainers.image.authors",
        (Edit(instruction.range, f'{keyword} org.opencontainers.image.authors="{quoted}"'),),
        Applicability.UNSAFE,  # the image's Author field becomes empty
    )


def absolute_workdir(context: DockerfileContext, instruction: Instruction) -> Fix | None:
    """A relative WORKDIR → the absolute path it resolves to, when the WORKDIR before it is known (an
    earlier absolute WORKDIR in the stage chain, or `/` in an image built FROM scratch)."""
    if instruction.keyword != "WORKDIR" or len(instruction.arguments) != 1:
        return None
    path = instruction.arguments[0]
    if "$" in path or posixpath.isabs(path) or re.search(r"[\s\"'\\]", path):
        return None  # variables, quoting and escapes: BuildKit's reading of the path is not a plain join
    from dockwise.rules.fixes import workdir_at

    base = workdir_at(context, instruction)
    if base is None:
        stage = context.dockerfile.build.stage_of(instruction)
        root = stage.lineage()[-1] if stage is not None else None
        if root is None or not root.is_scratch or _earlier_workdirs(context, instruction):
            return None
        base = "/"
    absolute = posixpath.normpath(posixpath.join(base, path))
    return _replace_arguments(instruction, absolute, "Use an absolute WORKDIR", Applicability.SAFE)


def legacy_key_value(context: DockerfileContext, instruction: Instruction) -> Fix | None:
    """`ENV KEY value with spaces` → `ENV KEY="value with spaces"` (one pair: the legacy form has one)."""
    if instruction.keyword not in ("ENV", "LABEL"):
        return None
    text = context.dockerfile.text
    arguments = text[instruction.arguments_range.start : instruction.arguments_range.end]
    # A key with a quote or an escape in it (`ENV "A b`) cannot be rewritten without re-quoting it.
    match = re.fullmatch(r"([^\s=\"'\\`]+)([ \t]+)(.*\S)\s*", arguments, re.DOTALL)
    if match is None or "\n" in arguments:
        return None
    key, value = match.group(1), match.group(3)
    if re.fullmatch(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'", value) or not re.search(r"[\s\"'\\]", value):
        replacement = f"{key}={value}"
    elif not re.search(r"[\"'\\]", value):
        replacement = f'{key}="{value}"'
    else:
        return None  # quotes inside the value: the rewrite would have to re-quote it
    return _replace_arguments(instruction, replacement, "Use KEY=value", Applicability.SAFE)


def uppercase_keyword(context: DockerfileContext, instruction: Instruction) -> Fix | None:
    written = _keyword_text(context, instruction)
    if written == written.upper():
        return None
    return Fix(f"Write {written.upper()}", (Edit(instruction.keyword_range, written.upper()),))


def _earlier_workdirs(context: DockerfileContext, instruction: Instruction) -> bool:
    stage = context.dockerfile.build.stage_of(instruction)
    chain = stage.lineage() if stage is not None else []
    return any(
        i.keyword == "WORKDIR" and i.index < instruction.index for each in chain for i in each.instructions
    )


def _replace_arguments(
    instruction: Instruction, replacement: str, title: str, applicability: Applicability
) -> Fix:
    return Fix(title, (Edit(instruction.arguments_range, replacement),), applicability)


def _replace_keyword(context: DockerfileContext, instruction: Instruction, keyword: str, title: str) -> Fix:
    written = _cased(keyword, _keyword_text(context, instruction))
    return Fix(title, (Edit(instruction.keyword_range, written),))


def _keyword_text(context: DockerfileContext, instruction: Instruction) -> str:
    return context.dockerfile.text[instruction.keyword_range.start : instruction.keyword_range.end]


def _cased(keyword: str, like: str) -> str:
    """`keyword` in the case the file uses (`copy` where it wrote `add`)."""
    return keyword.lower() if like.islower() else keyword


def _json(words: tuple[str, ...] | list[str]) -> str:
    return json.dumps(list(words), ensure_ascii=False)


#: Where each package manager installs an init that forwards signals and reaps zombies.
_INIT_PATHS = {
    ("apk", "tini"): "/sbin/tini",
    ("apt-get", "tini"): "/usr/bin/tini",
    ("apt", "tini"): "/usr/bin/tini",
    ("apk", "dumb-init"): "/usr/bin/dumb-init",
    ("apt-get", "dumb-init"): "/usr/bin/dumb-init",
    ("apt", "dumb-init"): "/usr/bin/dumb-init",
}
INIT_PROGRAMS = frozenset(
    {"tini", "tini-static", "dumb-init", "catatonit", "s6-svscan", "init", "docker-init"}
)


def init_entrypoint(context: DockerfileContext) -> Fix | None:
    """Unsafe: make the init the image already installs (tini or dumb-init, from apk or apt) PID 1, as
    `ENTRYPOINT ["/sbin/tini", "--"]` before the CMD or in front of an exec-form ENTRYPOINT."""
    installed = _installed_init(context)
    stage = context.final_stage
    if installed is None or stage is None:
        return None
    flag = ["--"]
    entrypoints = [i for i in stage.instructions if i.keyword == "ENTRYPOINT"]
    if entrypoints:
        last = entrypoints[-1]
        if not last.is_exec_form or not last.arguments:
            return None
        if posixpath.basename(last.arguments[0]) in INIT_PROGRAMS:
            return None
        words = [installed, *flag, *last.arguments]
        title = f"Start with {installed} as PID 1"
        return _replace_arguments(last, _json(words), title, Applicability.UNSAFE)
    commands = [i for i in stage.instructions if i.keyword == "CMD"]
    if not commands:
        return None
    cmd = commands[-1]
    keyword = _cased("ENTRYPOINT", _keyword_text(context, cmd))
    line = f"{keyword} {_json([installed, *flag])}\n"
    return Fix(
        f"Start with {installed} as PID 1",
        (Edit.insert(cmd.source_range.start, line),),
        Applicability.UNSAFE,
    )


def _installed_init(context: DockerfileContext) -> str | None:
    from dockwise.rules.dockerfile.packages import arguments_after

    for instruction in context.shipped_instructions():
        for command in context.run_commands(instruction):
            manager = command.name or ""
            if manager not in ("apk", "apt-get", "apt"):
                continue
            subcommands = ("add",) if manager == "apk" else ("install",)
            for word in arguments_after(command, subcommands, ()):
                package = (word.value or "").split("=", 1)[0]
                found = _INIT_PATHS.get((manager, package))
                if found:
                    return found
    return None
