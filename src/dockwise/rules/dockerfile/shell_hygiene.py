"""Rules of the `shell-hygiene` family (DW6xx): what the commands a RUN runs do to the build.

They read RUN bodies (the line and heredoc scripts) through the shell parser, so `&&`, `;`, pipes,
subshells, quoting and continuation lines are seen as the shell sees them, and they point at the command
or word inside the RUN. Most are about the build's correctness and look at every stage; the rules about
what ends up in the image (layers, archives) look only at the shipped stages.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence

from dockwise.diagnostics import Category, Diagnostic, Severity, TextRange
from dockwise.dockerfile.shell import POSIX_SHELLS, ShellCommand, ShellPipeline, ShellWord, command_fact
from dockwise.dockerfile.tree import Instruction
from dockwise.patterns import LazyPattern
from dockwise.rules._base import DockerfileContext, DockerfileRule
from dockwise.rules.dockerfile.packages import has_option, operands, option_value, runs

_WINDOWS_SHELLS = frozenset({"powershell", "pwsh", "cmd"})


def _pipelines(context: DockerfileContext) -> Iterator[tuple[Instruction, ShellPipeline]]:
    """Every pipeline of every RUN, with its instruction. A RUN that starts PowerShell or cmd is written
    in their language (Windows images), not in sh's."""
    for instruction in context.runs():
        commands = context.run_commands(instruction)
        if commands and (commands[0].name or "").lower().removesuffix(".exe") in _WINDOWS_SHELLS:
            continue
        for pipeline in context.run_pipelines(instruction):
            yield instruction, pipeline


def _without_set(commands: Sequence[ShellCommand]) -> list[ShellCommand]:
    """The commands after any leading `set -eux` (which only configures the shell)."""
    index = 0
    while index < len(commands) and commands[index].name == "set":
        index += 1
    return list(commands[index:])


#: Commands that change only the running shell; their effect ends with the RUN.
_SHELL_STATE = frozenset(
    {"cd", "pushd", "popd", "export", "unset", "set", "alias", "unalias", "umask", "shopt"}
)
#: Files sourced to set up an interactive shell or a virtualenv: what they set is lost with the RUN.
_SOURCED_SETUP = LazyPattern(r"(?:^|/)(?:activate|\.bashrc|\.bash_profile|\.profile|\.zshrc|profile)$")


def _only_changes_shell_state(command: ShellCommand) -> bool:
    if command.name in _SHELL_STATE:
        return True
    if command.name in ("source", "."):
        target = command.arguments[0].value if command.arguments else None
        return target is not None and _SOURCED_SETUP.search(target) is not None
    return False


def _persistent_instead(command: ShellCommand) -> str:
    """What to write instead of a command whose effect the RUN loses."""
    if command.name in ("cd", "pushd", "popd"):
        target = command.arguments[0].text if command.arguments else "DIR"
        return f"use WORKDIR {target}"
    if command.name == "export" and command.arguments:
        return "use ENV " + " ".join(word.text for word in command.arguments)
    if command.name == "unset" and command.arguments:
        return f"use ENV {command.arguments[0].text}= to clear it"
    if command.name in ("export", "unset"):
        return "use ENV"
    if command.name in ("source", "."):
        return "set the variables it sets with ENV (for a virtualenv: ENV PATH=/venv/bin:$PATH)"
    return "do it in the RUN that needs it"


class RunWithoutLastingEffect(DockerfileRule):
    """A RUN that only changes its own shell (`cd`, `export`, `source .../activate`): it has no effect.

    Every RUN starts a new shell. A RUN made only of `cd /app`, `export FOO=1`, `set -e`, `umask 077` or
    `source venv/bin/activate` changes that shell and nothing else, so the next instruction sees none of
    it. hadolint's DL3003 flags every `cd`; this rule flags the RUNs where `cd` (or its cousins) cannot
    work at all.

    ## Why is this bad?
    The author meant the change to last, and it does not: later instructions run in the old directory,
    without the variable or outside the virtualenv, which fails later or, worse, silently does something
    else. It also adds an empty layer and a build step.

    ## Example
    ```dockerfile
    RUN cd /app
    RUN export PATH=/opt/tool/bin:$PATH
    RUN . /venv/bin/activate
    RUN make
    ```

    ## Use instead
    ```dockerfile
    WORKDIR /app
    ENV PATH=/venv/bin:/opt/tool/bin:$PATH
    RUN make
    ```
    """

    code = "DW601"
    name = "run-without-lasting-effect"
    category = Category.SHELL_HYGIENE
    severity = Severity.WARNING
    aliases = ("DL3003",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.runs():
            commands = context.run_commands(instruction)
            if not commands or not all(_only_changes_shell_state(command) for command in commands):
                continue
            main = next((c for c in reversed(commands) if c.name != "set"), commands[-1])
            shown = " ".join(word.text for word in main.words)
            yield context.diagnostic(
                self,
                main.range,
                f"this RUN only runs `{shown}`, which is lost when the RUN ends: {_persistent_instead(main)}",
            )


#: Directories meant for throw-away work: `cd` into them is not a WORKDIR candidate.
_TEMPORARY = ("/tmp", "/var/tmp", "/dev/shm")


class CdInsteadOfWorkdir(DockerfileRule):
    """Several RUNs of a stage start with `cd` into the same directory: that directory is a WORKDIR.

    Only the repeated pattern is reported, at the second and later RUNs (leading `set` commands are
    skipped). A single `cd /src && make` in one RUN is fine: it says where this one step runs, often a
    temporary directory that the same RUN removes. hadolint's DL3003 reports every `cd`, including those,
    which is why it is so often disabled; `cd` into `/tmp` or `/var/tmp` is never reported.

    ## Why is this bad?
    Repeating `cd /app &&` in front of every RUN is the job WORKDIR does once: it is easy to forget in
    the next RUN (which then runs in `/`), and the directory is invisible to COPY, CMD and readers.

    ## Example
    ```dockerfile
    RUN cd /app && npm ci
    RUN cd /app && npm run build
    ```

    ## Use instead
    ```dockerfile
    WORKDIR /app
    RUN npm ci
    RUN npm run build
    ```
    """

    code = "DW602"
    name = "cd-instead-of-workdir"
    category = Category.SHELL_HYGIENE
    severity = Severity.INFO
    aliases = ("DL3003", "DS013")
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        build = context.dockerfile.build
        for stage in context.dockerfile.stages:
            workdir = ""
            first: dict[str, ShellCommand] = {}
            for instruction in stage.instructions:
                if instruction.keyword == "WORKDIR" and instruction.arguments:
                    workdir = posixpath.join(workdir, build.expand(instruction, instruction.arguments[0]))
                    continue
                if instruction.keyword != "RUN":
                    continue
                commands = _without_set(context.run_commands(instruction))
                if len(commands) < 2 or commands[0].name != "cd" or len(commands[0].arguments) != 1:
                    continue
                word = commands[0].arguments[0]
                if word.value in ("-", "~"):
                    continue
                if word.value is None:
                    directory = word.text.strip("\"'")
                else:
                    directory = posixpath.normpath(posixpath.join(workdir, word.value))
                if directory == "/" or directory.startswith(_TEMPORARY):
                    continue
                if directory not in first:
                    first[directory] = commands[0]
                    continue
                line = context.dockerfile.position(first[directory].range.start).line
                yield context.diagnostic(
                    self,
                    commands[0].range,
                    f"RUN starts with `cd {word.text}` again (as on line {line}): "
                    f"set `WORKDIR {directory}` once and drop the cd",
                )


#: Left sides of a pipe whose failure does not matter: they print fixed text, filter text or query the
#: local system (`dpkg --print-architecture | awk`, `find ... | sort -u | xargs -r apt-mark manual`). With
#: pipefail, `yes | cmd` and `grep` finding nothing would even fail the build.
_CANNOT_FAIL_USEFULLY = frozenset(
    {
        "echo", "printf", "yes", "true", ":", "cat", "sort", "uniq", "awk", "gawk", "mawk", "sed", "tr",
        "cut", "grep", "egrep", "fgrep", "head", "tail", "wc", "tee", "column", "rev", "find", "ls", "stat",
        "file", "readlink", "realpath", "basename", "dirname", "ldd", "scanelf", "readelf", "dpkg",
        "dpkg-query", "dpkg-architecture", "apt-mark", "apt-cache", "rpm", "apk", "locale", "uname", "arch",
        "id", "getent", "groups", "env", "printenv", "lsb_release", "date", "seq", "md5sum", "sha1sum",
        "sha256sum", "sha512sum",
    }
)  # fmt: skip
#: xargs options that take a value as the next word.
_XARGS_OPTIONS_WITH_VALUE = frozenset({"-I", "-L", "-n", "-P", "-d", "-a", "-E", "-s", "-i", "-l", "-e"})


class PipeWithoutPipefail(DockerfileRule):
    """A RUN pipes a command into another without `pipefail`, so a failure on the left goes unnoticed.

    A pipeline succeeds when its last command does: in `curl -fsSL $URL | tar -xz` a failed download is
    only noticed if tar happens to fail too, and `wget -O- $URL | gpg --dearmor > key.gpg` writes an
    empty key and succeeds. Fine when the SHELL has `-o pipefail` or when `set -o pipefail` (also
    `set -euxo pipefail`) runs earlier in the same RUN body or heredoc; hadolint ignores the latter
    (hadolint#522) and this rule does not. Reported once per RUN, at its first such pipeline.

    Unlike hadolint, which reports every pipe, left sides whose failure does not matter are left alone:
    commands that print (`echo`, `printf`, `yes`), filter text (`sort`, `awk`, `grep`, `tee`) or query
    the local system (`find`, `dpkg`, `ldd`, `scanelf`, also run through `xargs`), as in the official
    images' `find ... | awk ... | sort -u | xargs -r apt-mark manual`. So are pipes into a reader that
    stops early (`grep -q`, `head`): under pipefail the writer's SIGPIPE would fail the build at random.

    ## Why is this bad?
    The build goes on with a missing or truncated download, a half-written file or an empty key, and the
    failure shows up later, far from its cause, or not at all.

    ## Example
    ```dockerfile
    RUN curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /opt
    ```

    ## Use instead
    ```dockerfile
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    RUN curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /opt
    # or, where /bin/sh knows the option (bash, busybox ash; not dash):
    RUN set -o pipefail && curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /opt
    ```
    """

    code = "DW603"
    name = "pipe-without-pipefail"
    category = Category.SHELL_HYGIENE
    severity = Severity.WARNING
    aliases = ("DL4006",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        reported: set[int] = set()
        for instruction, pipeline in _pipelines(context):
            if instruction.index in reported or pipeline.pipefail or not pipeline.stages[-1]:
                continue
            if any(_stops_reading_early(command) for command in pipeline.stages[-1]):
                continue
            failing = next(filter(None, map(_failing_command, pipeline.stages[:-1])), None)
            if failing is None:
                continue
            reported.add(instruction.index)
            yield context.diagnostic(
                self,
                pipeline.range,
                f"if `{failing.words[0].text}` fails, the pipe hides it and the RUN succeeds: set -o "
                'pipefail (SHELL ["/bin/bash", "-o", "pipefail", "-c"], or `set -o pipefail &&` in the RUN)',
            )


def _failing_command(stage: tuple[ShellCommand, ...]) -> ShellCommand | None:
    """The first command of a stage whose failure matters, if any: not one that prints, filters or
    queries (`{ echo a; echo b; }`, `xargs -r readlink -e`). Commands inside a `$(...)` do not count: a
    pipe is not what hides their failure."""
    return next((c for c in _outer(stage) if _program(c) not in _CANNOT_FAIL_USEFULLY), None)


def _outer(stage: Sequence[ShellCommand]) -> list[ShellCommand]:
    """The commands of a stage that are not inside another one's `$(...)` or `<(...)`."""
    return [c for c in stage if not any(o is not c and _contains(o.range, c.range) for o in stage)]


def _stops_reading_early(command: ShellCommand) -> bool:
    """`grep -q`, `head`: they exit before the writer is done, which kills it with SIGPIPE."""
    grep = command.name in ("grep", "egrep", "fgrep")
    return command.name == "head" or (grep and has_option(command, ("--quiet", "--silent"), "q"))


def _contains(outer: TextRange, inner: TextRange) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _program(command: ShellCommand) -> str | None:
    """The command's name, or for xargs the program it runs."""
    if command.name != "xargs":
        return command.name
    words = command.words
    index = 1
    while index < len(words) and (words[index].value or "").startswith("-"):
        index += 2 if words[index].value in _XARGS_OPTIONS_WITH_VALUE else 1
    return posixpath.basename(words[index].value or "") if index < len(words) else "echo"


#: Interpreters that run a script read from standard input or given as a file argument.
_INTERPRETERS = re.compile(r"(?:python|pypy|perl|ruby|node|php)[0-9.]*")
#: Options that give the program as a command-line string instead (`python -c`, `perl -e`, `php -r`).
_INLINE_PROGRAM = frozenset({"-c", "-e", "-E", "-m", "-r", "-p", "-n", "--eval", "--print"})
_WRAPPERS = frozenset({"sudo", "doas", "env", "nohup", "time", "exec"})
_WRAPPER_OPTIONS_WITH_VALUE = frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-S"})


def _unwrapped(command: ShellCommand) -> tuple[str | None, Sequence[ShellWord]]:
    """The program run by `sudo -E bash -s`, `env FOO=1 sh` ...: its name and arguments."""
    words: Sequence[ShellWord] = command.words
    while words and words[0].value is not None and posixpath.basename(words[0].value) in _WRAPPERS:
        index = 1
        while index < len(words):
            value = words[index].value or ""
            if value.startswith("-"):
                index += 2 if value in _WRAPPER_OPTIONS_WITH_VALUE else 1
            elif "=" in value:
                index += 1
            else:
                break
        words = words[index:]
    if not words or words[0].value is None:
        return None, ()
    return posixpath.basename(words[0].value), words[1:]


def _runs_scripts(name: str | None) -> bool:
    return name is not None and (name in POSIX_SHELLS or _INTERPRETERS.fullmatch(name) is not None)


def _is_inline_program(name: str, value: str | None) -> bool:
    """`sh -c`, `bash -ec`, `python3 -c`, `perl -e`, `node --eval`: the program is the next word."""
    short_c = value is not None and value.startswith("-") and not value.startswith("--") and "c" in value
    return short_c or (name not in POSIX_SHELLS and value in _INLINE_PROGRAM)


@command_fact
def _script_reader(command: ShellCommand) -> str | None:
    """The shell or interpreter, when the command runs a script read from standard input."""
    name, arguments = _unwrapped(command)
    if name is None or not _runs_scripts(name):
        return None
    values = [word.value or "" for word in arguments]
    if any(_is_inline_program(name, value) for value in values):
        return None
    if name in POSIX_SHELLS and any(
        v.startswith("-") and not v.startswith("--") and "s" in v for v in values
    ):
        return name
    script = operands(arguments)
    return name if not script or script[0].value in ("-", "/dev/stdin") else None


def _script_argument(command: ShellCommand) -> tuple[str, ShellWord] | None:
    """The program and the word it runs as code: `-c`'s argument, the script file (`bash <(...)`), the
    first word of `eval` or `source`."""
    name, arguments = _unwrapped(command)
    if name is None or not arguments:
        return None
    if name in ("eval", "source", "."):
        return name, arguments[0]
    if not _runs_scripts(name):
        return None
    for index, word in enumerate(arguments):
        if word.value is None or not word.value.startswith("-"):
            return name, word
        if _is_inline_program(name, word.value):
            return (name, arguments[index + 1]) if index + 1 < len(arguments) else None
    return None


@command_fact
def _runs_dynamic_code(command: ShellCommand) -> bool:
    """Whether the code the command runs (`-c`'s argument, `eval`'s word ...) is known only when it runs."""
    found = _script_argument(command)
    return found is not None and found[1].value is None


def _short_option_value(command: ShellCommand, letter: str) -> str | None:
    """The value of a one-letter option, also at the end of a cluster: `-o file`, `-fsSLo file`, `-qO-`."""
    words = command.arguments
    for index, word in enumerate(words):
        value = word.value or ""
        if value.startswith("-") and not value.startswith("--") and letter in value:
            attached = value[value.index(letter) + 1 :]
            if attached:
                return attached
            return words[index + 1].value if index + 1 < len(words) else None
    return None


@command_fact
def _downloads_to_stdout(command: ShellCommand) -> bool:
    """curl without an output file, or wget told to write to standard output (`-O -`, `-qO-`)."""
    name, _ = _unwrapped(command)
    stdout = ("-", "/dev/stdout")
    if name == "curl":
        if has_option(command, ("--remote-name", "--remote-name-all"), "O"):
            return False
        output = option_value(command, ("--output",)) or _short_option_value(command, "o")
        return output is None or output in stdout
    if name == "wget":
        output = option_value(command, ("--output-document",)) or _short_option_value(command, "O")
        return output in stdout
    return False


def _url(command: ShellCommand) -> str:
    """The first URL-looking argument, for the message."""
    for word in command.arguments:
        if "://" in word.text or word.text.startswith(("http", "$")):
            return word.text
    return "the script"


class UnverifiedRemoteScript(DockerfileRule):
    """A script downloaded and run in one go: `curl ... | sh`, `wget -O- ... | bash`, `bash <(curl ...)`.

    Also `sh -c "$(curl ...)"`, `eval "$(wget -qO- ...)"` and piping into python, perl, ruby, node or php
    (`curl ... | python3 -`). Piping data (`curl ... | python3 -c 'import json...'`, `| tar -xz`) is not
    reported.

    ## Why is this bad?
    Whatever the server (or anyone between it and the build) sends is executed as root in the build, with
    nothing to check it against; a truncated download runs half a script. The build is not reproducible
    either: the next build may run a different script.

    ## Example
    ```dockerfile
    RUN curl -fsSL https://example.com/install.sh | sh
    ```

    ## Use instead
    ```dockerfile
    ADD --checksum=sha256:1f3c...e9 https://example.com/install.sh /tmp/install.sh
    RUN sh /tmp/install.sh && rm /tmp/install.sh
    # or: download, verify, then run
    RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\
     && echo "1f3c...e9  /tmp/install.sh" | sha256sum -c - \\
     && sh /tmp/install.sh && rm /tmp/install.sh
    ```
    """

    code = "DW604"
    name = "unverified-remote-script"
    category = Category.SHELL_HYGIENE
    severity = Severity.WARNING

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for _, pipeline in _pipelines(context):
            # `curl ... | sh`, `wget -O- ... | tee x | sudo bash -s --`
            download: ShellCommand | None = None
            for outer in map(_outer, pipeline.stages):
                if len(outer) != 1:
                    continue
                if download is None:
                    download = outer[0] if _downloads_to_stdout(outer[0]) else None
                elif (reader := _script_reader(outer[0])) is not None:
                    where = TextRange(download.range.start, outer[0].range.end)
                    yield self._found(context, download, where, reader)
                    break
        for instruction in context.runs():
            # `bash <(curl ...)`, `sh -c "$(curl ...)"`, `eval "$(wget -qO- ...)"`
            commands = context.run_commands(instruction)
            for runner in commands:
                if not _runs_dynamic_code(runner):
                    continue
                found = _script_argument(runner)
                assert found is not None
                inside = (
                    c for c in commands if _contains(found[1].range, c.range) and _downloads_to_stdout(c)
                )
                download = next(inside, None)
                if download is not None:
                    yield self._found(context, download, runner.range, found[0])

    def _found(
        self, context: DockerfileContext, download: ShellCommand, where: TextRange, runner: str
    ) -> Diagnostic:
        return context.diagnostic(
            self,
            where,
            f"`{runner}` runs {_url(download)} as downloaded, unverified: download it, check its sha256, "
            "then run it (or ADD --checksum=sha256:...)",
        )


class SudoInRun(DockerfileRule):
    """`sudo` in a RUN.

    ## Why is this bad?
    A RUN already runs as the stage's current USER. `sudo` needs a sudoers entry, may ask for a password
    the build cannot type, behaves differently across distributions (environment, PATH, TTY
    requirements), and leaves a setuid-root binary in the image for anyone who gets a shell in it.

    ## Example
    ```dockerfile
    USER app
    RUN sudo apt-get update && sudo apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    USER root
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    USER app
    ```
    """

    code = "DW605"
    name = "sudo-in-run"
    category = Category.NON_ROOT_USER
    severity = Severity.ERROR
    aliases = ("DL3004", "CKV2_DOCKER_1", "DS010")

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for _, command in runs(context, shipped_only=False):
            if command.name == "sudo":
                yield context.diagnostic(
                    self,
                    command.words[0].range,
                    "sudo in a build: put `USER root` before this RUN (and the app user back after it)",
                )


_SYSTEM_SHELLS = frozenset({"/bin/sh", "/usr/bin/sh"})


class ShellReplacedBySymlink(DockerfileRule):
    """`ln -sf /bin/bash /bin/sh`: /bin/sh replaced to change the shell RUN uses.

    Only a link *named* `/bin/sh` (or `/usr/bin/sh`) that replaces an existing one is reported: with
    `-f`, or after `rm /bin/sh` in the same RUN. `ln -s /bin/sh /usr/local/bin/x` only links to the
    shell, and `ln -s /busybox/sh /bin/sh` without `-f` creates a /bin/sh where there was none (it fails
    on an existing one). hadolint's DL4005 reports any `ln` that mentions `/bin/sh`.

    ## Why is this bad?
    It changes the system shell of the whole image, for every script with `#!/bin/sh` and every package
    maintainer script, not only for the build's RUN instructions. The SHELL instruction changes the shell
    RUN uses and nothing else, and says so where readers look.

    ## Example
    ```dockerfile
    RUN ln -sf /bin/bash /bin/sh
    RUN source /opt/env.sh && make
    ```

    ## Use instead
    ```dockerfile
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    RUN source /opt/env.sh && make
    ```
    """

    code = "DW606"
    name = "shell-replaced-by-symlink"
    category = Category.SHELL_HYGIENE
    severity = Severity.WARNING
    aliases = ("DL4005",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.runs():
            commands = context.run_commands(instruction)
            removed: bool | None = None
            for command in commands:
                if command.name != "ln" or has_option(command, ("--target-directory",), "t"):
                    continue
                if removed is None:
                    removed = any(c.name == "rm" and set(c.values()) & _SYSTEM_SHELLS for c in commands)
                paths = operands(command.arguments)
                if len(paths) < 2 or paths[-1].value not in _SYSTEM_SHELLS:
                    continue
                if not removed and not has_option(command, ("--force",), "f"):
                    continue  # without -f, ln fails on an existing /bin/sh: this creates a missing one
                yield context.diagnostic(
                    self,
                    paths[-1].range,
                    f"ln replaces {paths[-1].value} with {paths[0].text} for the whole image: "
                    f'use SHELL ["{paths[0].text}", "-c"] to change the shell RUN uses',
                )


#: useradd's one-letter options that take a value (the rest are flags).
_USERADD_OPTIONS_WITH_VALUE = frozenset("bcdefgGkKpPRuZ")
#: From this UID on, lastlog and faillog grow to tens of megabytes and more.
_LARGE_UID = 100_000


def _useradd_uid(command: ShellCommand) -> tuple[ShellWord | None, bool]:
    """The word giving the UID (`-u 1000`, `--uid=1000`, `-ru 1000`) and whether `-l` is given."""
    uid: ShellWord | None = None
    no_log_init = False
    words = command.arguments
    for index, word in enumerate(words):
        value = word.value or ""
        following = words[index + 1] if index + 1 < len(words) else None
        if value == "--no-log-init":
            no_log_init = True
        elif value == "--uid":
            uid = following
        elif value.startswith("--uid="):
            uid = ShellWord(word.text, value.removeprefix("--uid="), word.range)
        elif value.startswith("-") and not value.startswith("--"):
            for position, letter in enumerate(value[1:], start=1):
                no_log_init = no_log_init or letter == "l"
                if letter in _USERADD_OPTIONS_WITH_VALUE:
                    if letter == "u":
                        rest = value[position + 1 :]
                        uid = ShellWord(word.text, rest, word.range) if rest else following
                    break
    return uid, no_log_init


class UseraddWithoutNoLogInit(DockerfileRule):
    """`useradd` with a large UID (100000 and up) without `-l` / `--no-log-init`.

    The UID is read from `-u`, `--uid` or a `-ru` cluster; a variable is resolved from the ARG and ENV
    values in scope (hadolint's DL3046 counts the characters of `$APP_UID` instead). Busybox `adduser`
    (Alpine) writes no such logs and is not checked.

    ## Why is this bad?
    useradd reserves a record for the new user in `/var/log/lastlog` and `/var/log/faillog`, at an offset
    proportional to the UID. On disk these are sparse files, but image layers store them in full: a UID of
    1000000 adds about 300 MB of zeros to the layer, and very large UIDs can fill the builder's disk.
    `-l` skips those records.

    ## Example
    ```dockerfile
    RUN useradd --uid 1000000 app
    ```

    ## Use instead
    ```dockerfile
    RUN useradd --no-log-init --uid 1000000 app
    ```
    """

    code = "DW607"
    name = "useradd-without-no-log-init"
    category = Category.NON_ROOT_USER
    severity = Severity.WARNING
    aliases = ("DL3046",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        build = context.dockerfile.build
        for instruction, command in runs(context, shipped_only=False):
            if command.name != "useradd":
                continue
            uid, no_log_init = _useradd_uid(command)
            if uid is None or no_log_init:
                continue
            value = uid.value if uid.value is not None else build.expand(instruction, uid.text.strip("\"'"))
            if value.isdigit() and int(value) >= _LARGE_UID:
                yield context.diagnostic(
                    self,
                    uid.range,
                    f"useradd with UID {value} writes huge lastlog/faillog files into the layer: add -l "
                    "(--no-log-init)",
                )


_EDITORS = frozenset({"vi", "vim", "nvim", "nano", "emacs", "pico", "joe", "mcedit"})
#: Editor options that make it run a script without a terminal (`vim -es`, `vim +PlugInstall +qa`).
_SCRIPTED_EDITOR = LazyPattern(r"[+].*|-[A-Za-z]*[esE][A-Za-z]*|-c|-S|--headless|--batch|--script|-batch")
_POINTLESS = {
    **dict.fromkeys(("shutdown", "reboot", "halt", "poweroff"), "there is no machine to stop in a build"),
    **dict.fromkeys(("free", "ps", "top", "htop", "ifconfig"), "it only describes the build container"),
}
_SERVICE_STARTS = frozenset({"start", "restart", "reload", "force-reload"})
_KILLERS = frozenset({"kill", "killall", "pkill"})


def _pointless(
    instruction: Instruction, commands: Sequence[ShellCommand]
) -> Iterator[tuple[ShellCommand, str]]:
    """The commands of one RUN that cannot do anything useful in a build, with the reason."""
    if not any(_suspect(command) for command in commands):
        return
    mount_types = {mount.type for mount in instruction.mounts}
    insecure = instruction.parsed_flags.security == "insecure"
    work = _without_set(commands)
    for command in commands:
        suspect = _suspect(command)
        if suspect is None:
            continue
        if suspect == "pointless":
            yield command, _POINTLESS[command.name or ""]
        elif suspect == "editor":
            yield command, "an interactive editor waits for a terminal the build does not have: edit with sed"
        elif suspect == "ssh" and "ssh" not in mount_types:
            yield command, "the build has no SSH keys or agent: use RUN --mount=type=ssh"
        elif suspect == "mount" and not insecure:
            yield command, "a build may not mount file systems: use RUN --mount"
        elif suspect == "kill" and work and command is work[0]:
            yield command, "no process of an earlier RUN is still running to stop"
        elif _starts_service(command) and command is commands[-1]:
            yield command, "the service stops when this RUN ends: start it in CMD or ENTRYPOINT"


@command_fact
def _suspect(command: ShellCommand) -> str | None:
    """What may make the command pointless in a build, from its words alone (the RUN's mounts and the
    command's place in it decide the rest): "pointless", "editor", "ssh", "mount", "kill" or "service";
    None when nothing can (the test every RUN of every lint makes, so kept with the parse)."""
    name = command.name or ""
    values = [word.value or "" for word in command.arguments]
    if name in _POINTLESS:
        return "pointless"
    if name in _EDITORS and not any(_SCRIPTED_EDITOR.fullmatch(value) for value in values):
        return "editor"
    if name == "ssh":
        return "ssh"
    if name in ("mount", "umount") and values:
        return "mount"
    if name in _KILLERS:
        return "kill"
    return "service" if _starts_service(command) else None


@command_fact
def _starts_service(command: ShellCommand) -> bool:
    values = command.values()
    if command.name == "service":
        return len(values) >= 2 and values[1] in _SERVICE_STARTS
    if command.name == "systemctl":
        return bool(set(values) & _SERVICE_STARTS)
    return (command.words[0].value or "").startswith("/etc/init.d/") and bool(set(values) & _SERVICE_STARTS)


class CommandPointlessInBuild(DockerfileRule):
    """A RUN uses a command that makes no sense while building an image.

    Reported: `shutdown`/`reboot`/`halt`/`poweroff`; `free`, `ps`, `top`, `htop`, `ifconfig` (they only
    describe the throw-away build container); interactive editors (`vim`, `nano`, `emacs` ... unless run as
    a script: `vim -es`, `vim +PlugInstall +qa`); `ssh` without `--mount=type=ssh`; `mount` without
    `--security=insecure`; `kill`/`pkill`/`killall` as the first command of a RUN (nothing from an
    earlier RUN is running); and `service x start`, `systemctl start x` or `/etc/init.d/x start` as the
    last command of a RUN (nothing left in the RUN uses the service); `service mysql start && mysql <
    init.sql` in one RUN is fine.

    ## Why is this bad?
    Each RUN starts a fresh container from the previous layer and stops it at the end: no process
    survives, there is no terminal to type into, no machine to reboot and no privilege to mount. Such
    commands fail, hang the build, or do nothing while suggesting they do something.

    ## Example
    ```dockerfile
    RUN service nginx start
    RUN vim /etc/nginx/nginx.conf
    ```

    ## Use instead
    ```dockerfile
    COPY nginx.conf /etc/nginx/nginx.conf
    CMD ["nginx", "-g", "daemon off;"]
    ```
    """

    code = "DW608"
    name = "command-pointless-in-build"
    category = Category.SHELL_HYGIENE
    severity = Severity.INFO
    aliases = ("DL3001",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for instruction in context.runs():
            commands = context.run_commands(instruction)
            if not commands:
                continue
            for command, reason in _pointless(instruction, commands):
                yield context.diagnostic(self, command.words[0].range, f"`{command.name}` in a RUN: {reason}")


class ConsecutiveRuns(DockerfileRule):
    """A RUN of a single command right after another RUN in the shipped image: they could be one (opt-in).

    Reported at the later RUN of each such pair, when the two have the same flags (RUNs with different
    `--mount` or `--network` cannot simply be joined) and at least one of them runs a single command
    (a leading `set -eux` aside). Two long RUNs side by side are usually split on purpose, a build step
    and a check, so they are left alone; hadolint's DL3059 needs both to be single commands, which misses
    `RUN apt-get update && apt-get install ...` followed by `RUN rm -rf /var/lib/apt/lists/*`. Only the
    shipped stages count: in a builder stage separate RUNs cost nothing and cache better.

    ## Why is this bad?
    Each RUN adds a layer and a build step, and files deleted in a later RUN still weigh in the earlier
    layer. Whether to join is a judgment call (separate RUNs rebuild less when only one changes), so this
    rule is off unless selected.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    RUN rm -rf /var/lib/apt/lists/*
    RUN mkdir /data
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends curl \\
     && rm -rf /var/lib/apt/lists/* \\
     && mkdir /data
    ```
    """

    code = "DW609"
    name = "consecutive-runs"
    category = Category.SHELL_HYGIENE
    severity = Severity.INFO
    aliases = ("DL3059",)
    default_enabled = False
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.shipped_stages():
            previous: tuple[Instruction, int] | None = None
            for instruction in stage.instructions:
                if instruction.keyword != "RUN":
                    previous = None
                    continue
                size = len(_without_set(context.run_commands(instruction)))
                if (
                    previous is not None
                    and previous[0].flags == instruction.flags
                    and 1 in (previous[1], size)
                ):
                    yield context.diagnostic(
                        self,
                        instruction.keyword_range,
                        f"this RUN could join the RUN on line {previous[0].start_line} (&&): one layer less",
                    )
                previous = instruction, size


#: Archives ADD extracts by itself: tar, also compressed with gzip, bzip2 or xz (not zip, not zstd).
_TAR_ARCHIVE = re.compile(r"[^*?\[$]+\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz)", re.IGNORECASE)


def _basename(path: str) -> str:
    """The last part of a path, with `/` or `\\` (Windows images) between parts."""
    return re.split(r"[\\/]", path)[-1]


def _extracts(command: ShellCommand) -> bool:
    """`tar -xzf a.tgz`, `tar xf a.tar`, `tar --extract --file=a.tar`."""
    values = command.values()
    if command.name != "tar" or not values:
        return False
    old_style = not values[0].startswith("-") and "x" in values[0]
    return old_style or "--extract" in values or "--get" in values or has_option(command, (), "x")


class CopiedArchiveExtracted(DockerfileRule):
    """A local tar archive is COPY'd, then extracted by `tar` in a later RUN of the shipped image.

    Matched by the archive's file name. Only tar archives (plain, gzip, bzip2, xz) count: ADD does not
    extract zip files or single compressed files, so unlike hadolint's DL3010 an `unzip` is not reported.
    Builder stages are not checked: their layers are not shipped.

    ## Why is this bad?
    The COPY layer keeps the archive for good, even when the RUN deletes it afterwards, so the image
    carries both the archive and its contents. ADD extracts a local tar archive into the destination in a
    single layer; a bind mount extracts it without the archive ever entering a layer.

    ## Example
    ```dockerfile
    COPY app.tar.gz /tmp/
    RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
    ```

    ## Use instead
    ```dockerfile
    ADD app.tar.gz /opt/
    # or
    RUN --mount=type=bind,source=app.tar.gz,target=/tmp/app.tar.gz tar -xzf /tmp/app.tar.gz -C /opt
    ```
    """

    code = "DW610"
    name = "copied-archive-extracted"
    category = Category.COPY_VS_ADD
    severity = Severity.INFO
    aliases = ("DL3010",)
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        build = context.dockerfile.build
        for stage in context.shipped_stages():
            copied: dict[str, tuple[Instruction, str]] = {}
            for instruction in stage.instructions:
                if instruction.keyword == "COPY" and instruction.parsed_flags.from_ is None:
                    sources = instruction.arguments[:-1]
                    for source in sources:
                        name = _basename(build.expand(instruction, source))
                        if _TAR_ARCHIVE.fullmatch(name):
                            copied.setdefault(name, (instruction, source))
                            destination = instruction.arguments[-1]
                            if len(sources) == 1 and not destination.endswith(("/", "\\")):
                                # `COPY app.tar /tmp/pkg.tar`: extracted under the name it was copied to
                                renamed = _basename(build.expand(instruction, destination))
                                copied.setdefault(renamed, (instruction, source))
                for command in context.run_commands(instruction):
                    if not _extracts(command):
                        continue
                    for word in command.arguments:
                        value = word.value if word.value is not None else build.expand(instruction, word.text)
                        name = _basename(value.strip("\"'").removeprefix("--file="))
                        if name not in copied:
                            continue
                        copy, source = copied.pop(name)
                        yield context.diagnostic(
                            self,
                            copy.locate(source),
                            f"{source} is copied, then extracted by tar on line {instruction.start_line}: "
                            f"the archive stays in the COPY layer; `ADD {source} <dir>/` extracts it in one "
                            "layer",
                        )
