"""The reading of a single stage and the writing of the runtime stage, for `fix --multi-stage`.

`StagePlanner` reads where each RUN command runs, and writes the runtime stage once an ecosystem's planner
(`multistage_builds`) has found the artefacts: the carried-over instructions, a COPY --from per artefact at
the path it had in the builder, a non-root USER and the command in exec form. It also checks what would
make the result wrong (a RUN after the build that writes elsewhere) and notes what it cannot prove.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dockwise.diagnostics import Edit
from dockwise.dockerfile.build import Build, Stage
from dockwise.dockerfile.imageref import official_name_of
from dockwise.dockerfile.shell import ShellCommand, commands_of, plain_command_words
from dockwise.dockerfile.tree import Instruction
from dockwise.fix.runtime_bases import has_shell, is_distroless, runs_command_as_written

BUILDER = "build"
VENV = "/opt/venv"
NONROOT = "65532:65532"

#: Commands that may follow the build without writing files the runtime stage would miss.
_HARMLESS_AFTER = frozenset(
    {
        "chmod", "chown", "rm", "strip", "upx", "useradd", "adduser", "groupadd", "addgroup", "true", "echo",
        "ls", "test", "[", "go", "cargo", "npm", "yarn", "pnpm", "pip", "pip3", "mvn", "mvnw", "gradle",
        "gradlew", "apt-get", "apk", "yum", "dnf", "du", "find", "file", "ldd",
    }
)  # fmt: skip
_PACKAGE_MANAGERS = {"apt-get": "install", "apt": "install", "apk": "add", "yum": "install", "dnf": "install"}
_CERTIFICATES = frozenset({"ca-certificates", "tzdata"})
_RELOCATORS = frozenset({"cp", "mv", "install"})
_KNOWN_WORKDIRS = {"golang": "/go", "gradle": "/home/gradle"}
#: Programs the runtime bases provide (the interpreter of the ecosystem).
_INTERPRETERS = ("node", "python", "java")
_CARRIED = ("LABEL", "ENV", "EXPOSE", "VOLUME", "STOPSIGNAL")
_SYSTEM_DIRS = frozenset(
    {"/", "/etc", "/usr", "/usr/local", "/usr/local/bin", "/usr/bin", "/bin", "/opt", "/var"}
)


class Refused(Exception):
    """The rewrite cannot give a sensible image; the message says why (the file is left alone)."""


@dataclass(slots=True)
class Plan:
    ecosystem: str
    base: str
    notes: list[str] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    env: list[str] = field(default_factory=list)
    """ENV lines the runtime stage needs besides the original's (the virtualenv's PATH)."""


@dataclass(frozen=True, slots=True)
class Step:
    """A command of a RUN, with where it runs."""

    instruction: Instruction
    command: ShellCommand
    position: int
    """Its index among the commands of its RUN."""
    workdir: str
    after_cd: bool
    """A `cd` runs before it in the same RUN: its directory is not the WORKDIR."""


Command = tuple[Instruction | None, Instruction | None]


class StagePlanner:
    """What the ecosystems share: the stage as read, and the runtime stage written from it."""

    def __init__(
        self, build: Build, stage: Stage, bases: Mapping[str, str], context_dir: Path | None
    ) -> None:
        self.build = build
        self.stage = stage
        self.bases = bases
        self.context_dir = context_dir
        self.notes: list[str] = []
        self.steps: list[Step] = []
        self.workdir_at: dict[int, str] = {}
        self.workdir: str | None = None
        self.builder = stage.name or BUILDER

    # Reading the stage ------------------------------------------------------------------------------
    def _read_steps(self) -> None:
        workdir = _KNOWN_WORKDIRS.get(self._base_name(), "/")
        explicit = False
        for instruction in self.stage.instructions:
            if instruction.keyword == "SHELL":
                raise Refused(f"line {instruction.start_line}: a SHELL instruction: RUN steps are not read")
            if instruction.keyword == "ONBUILD":
                raise Refused(f"line {instruction.start_line}: ONBUILD triggers belong to a base image")
            if instruction.keyword == "WORKDIR" and instruction.arguments:
                path = self.build.expand(instruction, instruction.arguments[0])
                workdir = posixpath.normpath(posixpath.join(workdir, path))
                explicit = True
            self.workdir_at[instruction.index] = workdir
            if instruction.keyword != "RUN":
                continue
            after_cd = False
            for position, command in enumerate(commands_of(instruction)):
                self.steps.append(Step(instruction, command, position, workdir, after_cd))
                after_cd = after_cd or command.name in ("cd", "pushd")
        self.workdir = workdir if explicit or workdir != "/" else None

    def _base_name(self) -> str:
        base = self.stage.base
        return base.repository.rsplit("/", 1)[-1] if base else ""

    def _command(self) -> tuple[Instruction | None, Instruction | None]:
        """The last ENTRYPOINT and CMD of the stage (the image's command); refuses an image without one."""
        entrypoint = cmd = None
        for instruction in self.stage.instructions:
            if instruction.keyword == "ENTRYPOINT":
                entrypoint = instruction
            elif instruction.keyword == "CMD":
                cmd = instruction
        if entrypoint is None and cmd is None:
            raise Refused("the image has no CMD or ENTRYPOINT: it is a base for others, not an application")
        return entrypoint, cmd

    # The runtime stage -----------------------------------------------------------------------------

    def _finish(self, plan: Plan, artefacts: list[str], command: Command, last: Step) -> Plan:
        self._check_after(plan.ecosystem, last, artefacts)
        self._note_packages(plan.base)
        text = self.build.dockerfile.render()
        if self.stage.name is None:
            plan.edits.insert(0, Edit.insert(self.stage.from_instruction.range.end, f" AS {BUILDER}"))
        lines = ["", f"FROM {plan.base}"]
        lines += self._carried(plan.base)
        lines += plan.env
        if self.workdir:
            lines.append(f"WORKDIR {self.workdir}")
        copied = _outermost(artefacts + self._copied_elsewhere(artefacts))
        for path in copied:
            lines.append(f"COPY --from={self.builder} {_quote(path)} {_quote(path)}")
        lines.append(f"USER {self._user(plan.base)}")
        lines += self._healthcheck(plan.base)
        lines += self._command_lines(plan, command)
        self._check_program(command, copied, plan.base, artefacts)
        self._note_made_files(copied)
        plan.edits.append(
            Edit.insert(len(text), ("" if text.endswith("\n") else "\n") + "\n".join(lines) + "\n")
        )
        plan.notes.extend(self.notes)
        return plan

    def _check_program(self, command: Command, copied: list[str], base: str, artefacts: list[str]) -> None:
        """Refuse a command whose program the runtime stage does not get: one installed by the package
        manager (`tini`), a file outside what is copied, or a copied file (a script) on a base without a
        shell."""
        entrypoint, cmd = command
        first = entrypoint or cmd
        if first is None or not first.arguments:
            return
        words = list(first.arguments) if first.is_exec_form else first.arguments[0].split()
        program = words[0] if words else ""
        name = posixpath.basename(program)
        if name.startswith(_INTERPRETERS) or name in ("npm", "yarn", "pnpm"):
            return
        if has_shell(base) and name in ("sh", "bash", "env"):
            return
        inside = [p for p in copied if program == p or program.startswith(p.rstrip("/") + "/")]
        packaged = name in self._packages()
        if packaged or (program.startswith("/") and not inside):
            raise Refused(
                f"the command runs {program}, which the runtime stage does not get from the builder"
                + (" (it comes from a package installed there)" if packaged else "")
            )
        built = any(program == a or program.startswith(a.rstrip("/") + "/") for a in artefacts)
        if program.startswith("/") and not built and not has_shell(base):
            raise Refused(
                f"the command runs {program}, copied from the build context: if it is a script, {base} has "
                "no shell to run it; run the program directly or configure a runtime base with a shell"
            )

    def _packages(self) -> set[str]:
        """The packages the stage installs with apt, apk, yum or dnf."""
        found: set[str] = set()
        for step in self.steps:
            verb = _PACKAGE_MANAGERS.get(step.command.name or "")
            values = step.command.values()
            if verb is not None and verb in values:
                found.update(
                    v.split("=", 1)[0] for v in values[values.index(verb) + 1 :] if not v.startswith("-")
                )
        return found

    def _carried(self, base: str) -> list[str]:
        text = self.build.dockerfile.render()
        lines = []
        args = {name for i in self.stage.instructions if i.keyword == "ARG" for name in _arg_names(i)}
        for instruction in self.stage.instructions:
            if instruction.keyword not in _CARRIED:
                continue
            source = text[instruction.range.start : instruction.range.end]
            used = sorted(name for name in args if re.search(rf"\$\{{?{re.escape(name)}\b", source))
            if used:
                self.notes.append(
                    f"line {instruction.start_line}: {instruction.keyword} uses the build argument "
                    f"{used[0]}, which the runtime stage does not declare (it expands to nothing)"
                )
            lines.append(source)
        return lines

    def _copied_elsewhere(self, artefacts: list[str]) -> list[str]:
        """What COPY/ADD put outside the build's directory: files the program may read (config, assets)."""
        inside = [self.workdir or "", *artefacts]
        found = []
        for instruction in self.stage.instructions:
            if not instruction.copies_files:
                continue
            if instruction.parsed_flags.from_:
                found.append(self._destination(instruction))
                continue
            destination = self._destination(instruction)
            if any(d and (destination == d or destination.startswith(d.rstrip("/") + "/")) for d in inside):
                continue
            if destination in _SYSTEM_DIRS:
                self.notes.append(
                    f"line {instruction.start_line}: files copied into {destination} are not carried "
                    "over (a system directory): copy them by hand if the program needs them"
                )
                continue
            found.append(destination)
        return found

    def _destination(self, instruction: Instruction) -> str:
        raw = self.build.expand(instruction, instruction.arguments[-1])
        workdir = self.workdir_at.get(instruction.index, "/")
        destination = self._absolute_at(workdir, raw)
        sources = self._sources(instruction)
        if raw.endswith("/") and len(sources) == 1 and "." in posixpath.basename(sources[0].rstrip("/")):
            destination = posixpath.join(destination, posixpath.basename(sources[0]))
        return destination

    def _sources(self, instruction: Instruction) -> list[str]:
        """A COPY/ADD's sources as BuildKit reads them: quotes removed, variables expanded."""
        return [self.build.expand(instruction, raw) for raw in instruction.arguments[:-1]]

    def _user(self, base: str) -> str:
        users = [i for i in self.stage.instructions if i.keyword == "USER" and i.arguments]
        if not users:
            self.notes.append(
                f"the original ran as root; the runtime runs as {NONROOT}: files it writes "
                "outside a volume or tmpfs need a directory it owns"
            )
            return NONROOT
        user = self.build.expand(users[-1], users[-1].arguments[0])
        name = user.split(":", 1)[0]
        if name in ("root", "0"):
            self.notes.append(f"the original ran as root; the runtime runs as {NONROOT}")
            return NONROOT
        if (
            name.isdigit()
            or name == "nobody"
            or (name == "nonroot" and is_distroless(base))
            or (name == "node" and "node:" in base)
        ):
            return user
        self.notes.append(
            f"USER {user} is a name the runtime base may not define: the runtime runs as {NONROOT}"
        )
        return NONROOT

    def _healthcheck(self, base: str) -> list[str]:
        """The last HEALTHCHECK; one the runtime base cannot run (curl or a shell on distroless) becomes a
        comment, since a check that can never pass marks a working service unhealthy."""
        checks = [i for i in self.stage.instructions if i.keyword == "HEALTHCHECK"]
        if not checks:
            return []
        check = checks[-1]
        text = self.build.dockerfile.render()[check.range.start : check.range.end]
        words = list(check.arguments[1:]) if check.is_exec_form else " ".join(check.arguments[1:]).split()
        if not check.arguments or check.arguments[0].upper() != "CMD" or not words:
            return [text]
        if is_distroless(base) and posixpath.basename(words[0]) in ("curl", "wget"):
            why = f"{base} has no {posixpath.basename(words[0])}"
        elif not has_shell(base) and not check.is_exec_form:
            why = f"it is in shell form and {base} has no shell"
        else:
            return [text]
        self.notes.append(
            f"line {check.start_line}: the HEALTHCHECK is left out as a comment because {why}: it could "
            "never pass (probe from outside, or copy in a static probe binary)"
        )
        return [f"# HEALTHCHECK left out: {why}", *(f"# {line}" for line in text.splitlines())]

    def _command_lines(self, plan: Plan, command: Command) -> list[str]:
        entrypoint, cmd = command
        lines = []
        node_entry = plan.ecosystem == "Node.js" and "distroless/nodejs" in plan.base
        if entrypoint is None and not runs_command_as_written(plan.base):
            lines.append("ENTRYPOINT []")  # the base's own would run first: run the command as written
        for instruction in (entrypoint, cmd):
            if instruction is None:
                continue
            words = self._exec_words(instruction, plan.base)
            if words is None:
                lines.append(self.build.dockerfile.render()[instruction.range.start : instruction.range.end])
                continue
            words = self._runnable(words, plan, node_entry, instruction is entrypoint or entrypoint is None)
            lines.append(f"{instruction.keyword} {json.dumps(words)}")
        return lines

    def _exec_words(self, instruction: Instruction, base: str) -> list[str] | None:
        """The command in exec form; None to keep it as written (a shell form on a base with a shell)."""
        if instruction.is_exec_form:
            return list(instruction.arguments)
        words = plain_command_words(instruction.arguments[0] if instruction.arguments else "")
        if words is not None:
            return list(words)
        if has_shell(base):
            return None
        raise Refused(
            f"line {instruction.start_line}: {instruction.keyword} in shell form is not a plain command, and "
            f"{base} has no shell to run it; write it in exec form first"
        )

    def _runnable(self, words: list[str], plan: Plan, node_entry: bool, first: bool) -> list[str]:
        if not first or not words:
            return words
        program = posixpath.basename(words[0])
        if not has_shell(plan.base) and (program.endswith((".sh", ".bash")) or "entrypoint" in program):
            raise Refused(
                f"the command runs the script {words[0]}, which needs a shell, and {plan.base} has none; "
                "configure a runtime base with a shell (--runtime-base) or run the program directly"
            )
        if program in ("npm", "yarn", "pnpm"):
            # node itself as PID 1 gets SIGTERM (DW405), and only the official node images ship npm:
            # keep `npm start` only where the script is not a plain `node ...` and npm is there to run it
            try:
                words = self._npm_script(words)
                program = "node"
            except Refused:
                if official_name_of(plan.base) != "node":
                    raise
        if node_entry and program in ("node", "nodejs"):
            return ["/nodejs/bin/node", *words[1:]]
        return words

    def _npm_script(self, words: list[str]) -> list[str]:
        """`npm start` → the `node ...` its package.json script runs: node as PID 1 gets the stop signal,
        which npm does not pass on, and npm is not in every runtime image (distroless has none)."""
        script = words[2] if len(words) > 2 and words[1] == "run" else (words[1] if len(words) > 1 else "")
        manifest = self._context_file(None, "package.json")
        scripts = (json.loads(manifest).get("scripts", {}) if manifest else {}) if _is_json(manifest) else {}
        line = scripts.get(script) if isinstance(scripts, dict) else None
        if not isinstance(line, str):
            raise Refused(
                f"the command runs `{' '.join(words)}`, and npm is not in the runtime image; the script "
                "could not be read from package.json: run node directly"
            )  # (kept on an official node base by the caller)
        plain = plain_command_words(line)
        if plain is None or posixpath.basename(plain[0]) != "node":
            raise Refused(
                f"the {script} script ({line!r}) is not a plain `node ...` command; run node directly"
            )
        self.notes.append(
            f"`{' '.join(words)}` became `{line}` (package.json's {script} script): node itself gets "
            "SIGTERM as PID 1 (npm does not pass it on), and no npm is needed in the runtime image"
        )
        return list(plain)

    # Checks -----------------------------------------------------------------------------------------

    def _check_after(self, ecosystem: str, last: Step, artefacts: list[str]) -> None:
        """Refuse when a step after the build writes where the runtime stage does not copy from."""
        copies_whole_dir = ecosystem in ("Node.js", "Python")
        noted: set[int] = set()
        for step in self.steps:
            if (step.instruction.index, step.position) <= (last.instruction.index, last.position):
                continue
            name = step.command.name or ""
            if name in _RELOCATORS and not copies_whole_dir:
                continue  # handled by _follow
            if name in _RELOCATORS and not self._lands_in(step, artefacts):
                raise Refused(
                    f"line {step.instruction.start_line}: `{_text(step.command)}` after the install puts "
                    f"files outside {', '.join(artefacts)}, which the runtime stage copies"
                )
            if name == "chown" and step.instruction.index not in noted:
                noted.add(step.instruction.index)
                self.notes.append(
                    f"line {step.instruction.start_line}: `{_text(step.command)}` after the build: "
                    "COPY --from does not keep ownership (the runtime's files belong to root)"
                )
            if name in _HARMLESS_AFTER and not self._installs_after(step):
                continue
            if name in ("mkdir", "touch"):
                continue  # noted by _note_made_files
            where = f"line {step.instruction.start_line}: `{_text(step.command)}` runs after the build"
            if copies_whole_dir:
                if step.instruction.index not in noted:
                    noted.add(step.instruction.index)
                    self.notes.append(
                        f"{where}: files it writes outside {', '.join(artefacts)} are not copied"
                    )
                continue
            raise Refused(
                f"{where} and may write files the runtime stage would not get; move it before the "
                "build or split by hand"
            )
        for step in self.steps:
            if (step.instruction.index, step.position) > (
                last.instruction.index,
                last.position,
            ) and self._installs_after(step):
                raise Refused(
                    f"line {step.instruction.start_line}: packages installed after the build are meant for "
                    "the running image; the runtime base would not have them"
                )

    def _note_made_files(self, copied: list[str]) -> None:
        """Directories and files a RUN makes (`mkdir -p /var/log/app`) outside what is copied: the
        runtime stage does not have them, and the program may expect them."""
        made: dict[int, list[str]] = {}
        for step in self.steps:
            if step.command.name not in ("mkdir", "touch") or step.after_cd:
                continue
            paths = [self._absolute(step, v) for v in step.command.values() if not v.startswith("-")]
            made.setdefault(step.instruction.start_line, []).extend(
                p for p in paths if not any(p == c or p.startswith(c.rstrip("/") + "/") for c in copied)
            )
        for line, paths in made.items():
            if paths:
                self.notes.append(
                    f"line {line}: {', '.join(_unique(paths))} made here is not in the runtime image (only "
                    "the copied paths are)"
                )

    def _lands_in(self, step: Step, directories: list[str]) -> bool:
        """Whether the destination of a cp/mv/install step is inside one of `directories`."""
        words = [w for w in step.command.values() if not w.startswith("-")]
        if not words or step.after_cd:
            return False
        target = self._absolute(step, words[-1])
        return any(target == d or target.startswith(d.rstrip("/") + "/") for d in directories)

    def _installs_after(self, step: Step) -> bool:
        verb = _PACKAGE_MANAGERS.get(step.command.name or "")
        return verb is not None and verb in step.command.values()

    def _note_packages(self, base: str) -> None:
        """Packages the original installed may be needed at run time; the runtime base lacks them."""
        from dockwise.rules.dockerfile.multi_stage import _is_toolchain_package

        packages = []
        for step in self.steps:
            verb = _PACKAGE_MANAGERS.get(step.command.name or "")
            values = step.command.values()
            if verb is None or verb not in values:
                continue
            for word in values[values.index(verb) + 1 :]:
                name = word.split("=", 1)[0]
                if word.startswith("-") or _is_toolchain_package(name):
                    continue
                if name in _CERTIFICATES and is_distroless(base):
                    continue
                packages.append(name)
        if packages:
            self.notes.append(
                f"packages installed in the builder ({', '.join(_unique(packages))}) are not in the runtime "
                "image: a library the program loads at run time (libpq5 for libpq-dev, say) must come "
                "from the base"
            )

    # Helpers ----------------------------------------------------------------------------------------

    def _follow(self, artefacts: list[str], build_step: Step) -> list[str]:
        """The artefact after the cp/mv/install steps that move it (`cp target/release/app /bin/`)."""
        current = list(artefacts)
        for step in self.steps:
            if (step.instruction.index, step.position) <= (build_step.instruction.index, build_step.position):
                continue
            if step.command.name not in _RELOCATORS:
                continue
            words = [w for w in step.command.values() if not w.startswith("-")]
            if len(words) < 2 or step.after_cd:
                raise Refused(
                    f"line {step.instruction.start_line}: `{_text(step.command)}` after the build is not "
                    "understood"
                )
            *sources, target = (self._absolute(step, w) for w in words)
            moved = [a for a in current if a in sources]
            if not moved:
                raise Refused(
                    f"line {step.instruction.start_line}: `{_text(step.command)}` copies files other than "
                    "the artefact after the build"
                )
            for artefact in moved:
                ends_dir = words[-1].endswith("/") or len(sources) > 1 or target in _SYSTEM_DIRS
                destination = posixpath.join(target, posixpath.basename(artefact)) if ends_dir else target
                current = [destination if a == artefact else a for a in current]
        return current

    def _absolute(self, step: Step, path: str) -> str:
        if step.after_cd and not path.startswith("/"):
            raise Refused(
                f"line {step.instruction.start_line}: a relative path after `cd`: the artefact's path is "
                "not known"
            )
        return self._absolute_at(step.workdir, self.build.expand(step.instruction, path))

    @staticmethod
    def _absolute_at(workdir: str, path: str) -> str:
        return posixpath.normpath(posixpath.join(workdir, path))

    def _is_alpine(self) -> bool:
        base = self.stage.base
        return base is not None and ("alpine" in (base.tag or "") or base.repository.endswith("alpine"))

    def _installs(self, *packages: str) -> bool:
        wanted = set(packages)
        for step in self.steps:
            managed = step.command.name in _PACKAGE_MANAGERS or step.command.name == "npm"
            if managed and wanted & {v.split("=", 1)[0] for v in step.command.values()}:
                return True
        return False

    def _context_file(self, step: Step | None, name: str) -> str | None:
        """The text of `name` as the build context has it where the step runs (None: not readable)."""
        if self.context_dir is None:
            return None
        directory = step.workdir if step is not None else (self.workdir or "/")
        candidates = []
        for instruction in self.stage.instructions:
            if (
                instruction.keyword not in ("COPY", "ADD")
                or instruction.parsed_flags.from_
                or instruction.heredocs
            ):
                continue
            if step is not None and instruction.index > step.instruction.index:
                break
            destination = self._destination(instruction)
            for source in self._sources(instruction):
                if posixpath.basename(source.rstrip("/")) == name and destination in (
                    directory,
                    posixpath.join(directory, name),
                ):
                    candidates.append(self.context_dir / source)
                elif destination == directory and "*" not in source:
                    candidates.append(self.context_dir / source / name)
        for candidate in reversed(candidates):
            try:
                return candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        return None

    def _context_has(self, step: Step, name: str) -> bool:
        return self._context_file(step, name) is not None


def _arg_names(instruction: Instruction) -> list[str]:
    return [argument.split("=", 1)[0] for argument in instruction.arguments]


def _text(command: ShellCommand) -> str:
    return " ".join(word.text for word in command.words)


def _outermost(paths: Sequence[str]) -> list[str]:
    """The paths, each once, without those inside another (copying the directory copies them)."""
    unique = _unique(paths)
    return [p for p in unique if not any(o != p and p.startswith(o.rstrip("/") + "/") for o in unique)]


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _quote(path: str) -> str:
    return json.dumps(path) if any(c.isspace() for c in path) else path


def line_start(text: str, instruction: Instruction) -> int:
    return text.rfind("\n", 0, instruction.range.start) + 1


def line_end(text: str, instruction: Instruction) -> int:
    end = text.find("\n", instruction.range.end)
    return len(text) if end < 0 else end + 1


def _is_json(text: str | None) -> bool:
    if text is None:
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
