"""Rules of the `shell-hygiene` category about what a RUN's exit status and layers really keep: a heredoc
that only reports its last line, an install whose failure is swallowed, a download deleted a layer later.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.dockerfile.shell import POSIX_SHELLS, ShellCommand, command_fact
from dockwise.dockerfile.tree import Instruction
from dockwise.patterns import LazyPattern
from dockwise.rules._base import DockerfileContext, DockerfileRule
from dockwise.rules.dockerfile.packages import subcommand

_SET_ERREXIT = LazyPattern(r"(?m)^\s*set\s+(?:-[a-zA-Z]*e|-o\s+errexit|.*\s-[a-zA-Z]*e)")


class HeredocWithoutErrexit(DockerfileRule):
    """A RUN heredoc of several commands without `set -e`: only the last command's failure stops the build.

    ## Why is this bad?
    A heredoc body is a script, and a script goes on after a failing command. In
    `RUN <<EOF` with `apt-get update` then `apt-get install -y curl` then `rm -rf /var/lib/apt/lists/*`,
    a failed install is followed by a successful `rm`: the step succeeds and the image lacks curl.

    ## Example
    ```dockerfile
    RUN <<EOF
    apt-get update
    apt-get install -y --no-install-recommends curl
    rm -rf /var/lib/apt/lists/*
    EOF
    ```

    ## Use instead
    ```dockerfile
    RUN <<EOF
    set -eu
    apt-get update
    apt-get install -y --no-install-recommends curl
    rm -rf /var/lib/apt/lists/*
    EOF
    ```
    """

    code = "DW611"
    name = "heredoc-without-errexit"
    category = Category.SHELL_HYGIENE
    severity = Severity.WARNING

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for run in context.dockerfile.instructions:
            if run.keyword != "RUN" or not run.heredocs or run.is_exec_form:
                continue
            if _shell_has_errexit(context, run):
                continue
            for heredoc in run.heredocs:
                body = heredoc.content
                if not _runs_body(run) or _script_has_errexit(body):
                    continue
                joined = _command_lines(body)
                if len(joined) < 2:
                    continue
                yield context.diagnostic(
                    self,
                    heredoc.body_range,
                    f"the heredoc runs {len(joined)} commands without set -e: only the last one's failure "
                    "fails the build",
                )


_NESTED_HEREDOC = LazyPattern(r"<<-?[ \t]*[\"']?([A-Za-z_][A-Za-z0-9_]*)")


def _command_lines(body: str) -> list[str]:
    """The body's lines that end a command: no comments, blank lines, continued lines or the text of a
    heredoc nested in the body (`cat > /etc/motd <<EOM`)."""
    found: list[str] = []
    nested: str | None = None
    for line in body.splitlines():
        stripped = line.strip()
        if nested is not None:
            if stripped == nested:
                nested = None
            continue
        if not stripped or stripped.startswith("#") or stripped.endswith(("\\", "&&", "||", "|")):
            continue
        found.append(line)
        match = _NESTED_HEREDOC.search(line)
        if match is not None:
            nested = match.group(1)
    return found


def _runs_body(run: Instruction) -> bool:
    """`RUN <<EOF` or `RUN sh <<EOF` (the body is the script), not `RUN cat <<EOF > file`."""
    words = run.arguments[0].split() if run.arguments else []
    if not words or words[0].startswith("<<"):
        return True
    return posixpath.basename(words[0]) in POSIX_SHELLS and words[-1].startswith("<<")


def _script_has_errexit(body: str) -> bool:
    first = body.split("\n", 1)[0]
    if first.startswith("#!"):
        words = first[2:].split()
        if any(w.startswith("-") and "e" in w for w in words[1:]):
            return True
        if (
            words
            and posixpath.basename(words[-1] if words[0].endswith("env") else words[0]) not in POSIX_SHELLS
        ):
            return True  # a Python or Perl script: its own error handling
    return _SET_ERREXIT.search(body) is not None


def _shell_has_errexit(context: DockerfileContext, run: Instruction) -> bool:
    shell = context.shell_for(run)
    words = run.arguments[0].split() if run.arguments else []
    options = [*shell[1:], *(words[1:-1] if words and not words[0].startswith("<<") else ())]
    return (
        any(o.startswith("-") and not o.startswith("--") and "e" in o for o in options)
        or "errexit" in options
    )


#: Commands that install software, by program: the subcommands that do.
_INSTALLS: dict[str, tuple[str, ...]] = {
    "apt-get": ("install",), "apt": ("install",), "apk": ("add",), "yum": ("install",), "dnf": ("install",),
    "microdnf": ("install",), "zypper": ("install", "in"), "pip": ("install",), "pip3": ("install",),
    "npm": ("install", "ci", "i"), "yarn": ("install", "add"), "pnpm": ("install", "add", "i"),
    "gem": ("install",), "bundle": ("install",), "composer": ("install", "require"), "go": ("install",),
    "cargo": ("install",),
}  # fmt: skip
_IGNORED_FAILURE = LazyPattern(r"\s*\|\|\s*(?:(?:true|exit\s+0|/bin/true)\b|:(?![^\s;&|)]))")


@command_fact
def installs(command: ShellCommand) -> bool:
    subcommands = _INSTALLS.get(command.name or "")
    return subcommands is not None and subcommand(command) in subcommands


class InstallFailureIgnored(DockerfileRule):
    """An install followed by `|| true`: when it fails, the build goes on without the packages.

    ## Why is this bad?
    `apt-get install -y foo || true` turns a missing package, a network error or a typo into a
    successful step. The image builds and lacks what the Dockerfile says it installs; the failure
    surfaces later, in production, as "command not found".

    ## Example
    ```dockerfile
    RUN pip install --no-cache-dir -r requirements.txt || true
    ```

    ## Use instead
    ```dockerfile
    RUN pip install --no-cache-dir -r requirements.txt
    ```
    """

    code = "DW612"
    name = "install-failure-ignored"
    category = Category.SHELL_HYGIENE
    severity = Severity.WARNING

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        text = context.dockerfile.text
        for run in context.runs():
            span = run.source_range
            if text.find("||", span.start, span.end + 40) < 0:
                continue  # what is read after each command below lies in here: no `||`, nothing to find
            for command in context.run_commands(run):
                if not installs(command):
                    continue
                after = text[command.range.end : command.range.end + 40].replace("\\\n", " ")
                ignored = _IGNORED_FAILURE.match(after)
                if ignored:
                    yield context.diagnostic(
                        self,
                        command.range,
                        f"`{command.name} {subcommand(command)}` ends in `{ignored.group(0).strip()}`: a "
                        "failed install still builds the image",
                    )


_ARCHIVE = LazyPattern(
    r"\.(?:tar|tgz|tar\.\w+|zip|jar|war|deb|rpm|whl|bin|run|iso|img|gz|xz|bz2|zst|7z|AppImage)$"
)


def _downloads(context: DockerfileContext, instruction: Instruction) -> list[str]:
    """The paths a RUN's curl/wget or an ADD of a URL writes an archive to (when they can be told)."""
    found: list[str] = []
    if instruction.keyword == "ADD":
        words = [context.dockerfile.word(argument) for argument in instruction.arguments]
        sources, destination = words[:-1], words[-1] if words else ""
        for source in sources:
            if source.startswith(("http://", "https://")) and _ARCHIVE.search(source.split("?")[0]):
                name = posixpath.basename(source.split("?")[0])
                found.append(posixpath.join(destination, name) if destination.endswith("/") else destination)
        return found
    for command in context.run_commands(instruction):
        values = command.values()
        if command.name == "curl":
            for flag in ("-o", "--output"):
                if flag in values[:-1]:
                    found.append(values[values.index(flag) + 1])
        elif command.name == "wget":
            for flag in ("-O", "--output-document"):
                if flag in values[:-1]:
                    found.append(values[values.index(flag) + 1])
    return [path for path in found if path not in ("-", "/dev/null") and _ARCHIVE.search(path)]


class DownloadDeletedLater(DockerfileRule):
    """A file downloaded in one layer and deleted in a later one: its bytes stay in the image.

    ## Why is this bad?
    Every layer is kept. `RUN rm` in a later step only hides the file; the archive downloaded earlier
    still ships with the image and is pulled by every host, often hundreds of megabytes.

    ## Example
    ```dockerfile
    ADD https://example.com/tool-1.2.tar.gz /tmp/
    RUN tar -xzf /tmp/tool-1.2.tar.gz -C /opt
    RUN rm /tmp/tool-1.2.tar.gz
    ```

    ## Use instead
    ```dockerfile
    RUN curl -fsSL -o /tmp/tool.tar.gz https://example.com/tool-1.2.tar.gz \\
        && tar -xzf /tmp/tool.tar.gz -C /opt \\
        && rm /tmp/tool.tar.gz
    ```
    """

    code = "DW613"
    name = "download-deleted-later"
    category = Category.IMAGE_SIZE
    severity = Severity.WARNING

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.shipped_stages():
            downloaded: dict[str, Instruction] = {}
            for instruction in stage.instructions:
                if instruction.keyword == "RUN":
                    for command in context.run_commands(instruction):
                        if command.name != "rm":
                            continue
                        for word in command.arguments:
                            value = word.value
                            origin = downloaded.pop(value, None) if value else None
                            if origin is not None and origin is not instruction:
                                yield context.diagnostic(
                                    self,
                                    word.range,
                                    f"{value} was downloaded in an earlier layer (line {origin.start_line}): "
                                    "deleting it here does not make the image smaller",
                                )
                if instruction.keyword in ("RUN", "ADD"):
                    for path in _downloads(context, instruction):
                        downloaded[path] = instruction
