"""`dockwise fix --multi-stage`: a single-stage Dockerfile that builds in the shipped image becomes a builder
stage (the original, named `build`) and a runtime stage that copies only what the program needs.

The rewrite is a few insertions into the original text: ` AS build` on its FROM, the virtualenv lines of a
Python build, a prune of Node's dev dependencies, and the runtime stage at the end. The builder keeps its
FROM, its steps and even its CMD as written, so the diff is small and reviewable. The runtime stage copies
the artefact from the same path it had in the builder, so the command's paths keep working.

What cannot be proven from the Dockerfile (a Go binary that may link libc, packages the program may need
at run time, a USER the runtime base may not define) becomes a note; what would give a broken image (a
RUN after the build that writes elsewhere, native modules on musl, an artefact path dockwise cannot tell)
is a refusal with its reason, and the file is left alone.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockwise.diagnostics import Applicability, Edit, Fix
from dockwise.dockerfile.build import Build, Stage
from dockwise.dockerfile.shell import ShellCommand, commands_of, plain_command_words
from dockwise.dockerfile.tree import Dockerfile, Instruction
from dockwise.fix.runtime_bases import DEFAULT_RUNTIME_BASES, has_shell, is_distroless, runtime_base
from dockwise.rules.dockerfile.multi_stage import build_ecosystem, install_ecosystem

TITLE = "Rewrite into a builder stage and a minimal runtime stage"
BUILDER = "build"
VENV = "/opt/venv"
NONROOT = "65532:65532"
_ECOSYSTEM_KEYS = {"Go": "go", "Rust": "rust", "Node.js": "node", "Python": "python", "Java": "java"}
#: Commands that may follow the build without writing files the runtime stage would miss.
_HARMLESS_AFTER = frozenset(
    {
        "chmod", "chown", "rm", "strip", "upx", "useradd", "adduser", "groupadd", "addgroup", "true", "echo",
        "ls", "test", "[", "go", "cargo", "npm", "yarn", "pnpm", "pip", "pip3", "mvn", "mvnw", "gradle",
        "gradlew", "apt-get", "apk", "yum", "dnf", "du", "find", "file", "ldd",
    }
)  # fmt: skip
_REMOVING = {
    "apt-get": ("purge", "remove", "autoremove", "clean"),
    "apk": ("del",),
    "yum": ("remove", "clean"),
}
_PACKAGE_MANAGERS = {"apt-get": "install", "apt": "install", "apk": "add", "yum": "install", "dnf": "install"}
_CERTIFICATES = frozenset({"ca-certificates", "tzdata"})
_RELOCATORS = frozenset({"cp", "mv", "install"})
_NATIVE_NODE = frozenset({"node-gyp", "python3", "python", "make", "g++", "build-base", "build-essential"})
_PYTHON_INSTALLERS = frozenset({"poetry", "pipenv", "uv", "pdm", "conda", "micromamba"})
_KNOWN_WORKDIRS = {"golang": "/go", "gradle": "/home/gradle"}
_CARRIED = ("LABEL", "ENV", "EXPOSE", "VOLUME", "STOPSIGNAL")
_SYSTEM_DIRS = frozenset(
    {"/", "/etc", "/usr", "/usr/local", "/usr/local/bin", "/usr/bin", "/bin", "/opt", "/var"}
)


class Refused(Exception):
    """The rewrite cannot give a sensible image; the message says why (the file is left alone)."""


@dataclass(frozen=True, slots=True)
class Rewrite:
    """The outcome for one Dockerfile: the rewritten text, or why there is none.

    `status`: "rewritten", "refused" or "unchanged" (already multi-stage: nothing to do)."""

    status: str
    text: str
    ecosystem: str | None = None
    runtime_base: str | None = None
    notes: tuple[str, ...] = ()
    """What the rewrite could not prove: each a sentence the user should check."""
    reason: str | None = None
    """Why it refused, or why nothing was done."""
    edits: tuple[Edit, ...] = ()

    def fix(self) -> Fix | None:
        """The rewrite as an unsafe fix (DW151 offers it), or None when there is none."""
        if self.status != "rewritten":
            return None
        return Fix(TITLE, self.edits, Applicability.UNSAFE)


def rewrite_text(
    text: str, bases: Mapping[str, str] | None = None, context_dir: Path | None = None
) -> Rewrite:
    """Rewrite a Dockerfile's text (see the module docstring); never raises for a Dockerfile it dislikes."""
    from dockwise.dockerfile import parse
    from dockwise.fix.engine import apply_fixes

    result = rewrite(parse(text), bases or {}, context_dir)
    fix = result.fix()
    if fix is None:
        return result
    return Rewrite(
        result.status,
        apply_fixes(text, [fix]),
        result.ecosystem,
        result.runtime_base,
        result.notes,
        result.reason,
        result.edits,
    )


def rewrite(dockerfile: Dockerfile, bases: Mapping[str, str], context_dir: Path | None) -> Rewrite:
    """The rewrite of a parsed Dockerfile; `text` of the result is the original (edits apply to it)."""
    original = dockerfile.render()
    build = dockerfile.build
    if len(build.stages) != 1 or build.references:
        return Rewrite("unchanged", original, reason="already multi-stage: nothing to do")
    try:
        plan = _Planner(build, build.stages[0], bases, context_dir).plan()
    except Refused as refusal:
        return Rewrite("refused", original, reason=str(refusal))
    return Rewrite(
        "rewritten", original, plan.ecosystem, plan.base, tuple(plan.notes), None, tuple(plan.edits)
    )


@dataclass(slots=True)
class _Plan:
    ecosystem: str
    base: str
    notes: list[str] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Step:
    """A command of a RUN, with where it runs."""

    instruction: Instruction
    command: ShellCommand
    position: int
    """Its index among the commands of its RUN."""
    workdir: str
    after_cd: bool
    """A `cd` runs before it in the same RUN: its directory is not the WORKDIR."""


class _Planner:
    def __init__(
        self, build: Build, stage: Stage, bases: Mapping[str, str], context_dir: Path | None
    ) -> None:
        self.build = build
        self.stage = stage
        self.bases = bases
        self.context_dir = context_dir
        self.notes: list[str] = []
        self.steps: list[_Step] = []
        self.workdir_at: dict[int, str] = {}
        self.workdir: str | None = None
        self.builder = stage.name or BUILDER

    # Reading the stage ------------------------------------------------------------------------------

    def plan(self) -> _Plan:
        stage = self.stage
        if stage.is_fragment:
            raise Refused("the file has no FROM: there is no builder stage to keep")
        if stage.base_stage is not None or stage.is_scratch:
            raise Refused("the stage is not built FROM an image")
        self._read_steps()
        command = self._command()
        builds = self._builds()
        ecosystems = sorted({ecosystem for ecosystem, _ in builds})
        if not ecosystems:
            raise Refused(
                "no Go, Rust, Node.js, Python or Java build found in the stage (nothing to split off)"
            )
        if len(ecosystems) > 1:
            raise Refused(
                f"the stage builds {' and '.join(ecosystems)}: which artefacts the runtime needs from each "
                "is "
                "not clear; split it by hand (one stage per build)"
            )
        ecosystem = ecosystems[0]
        steps = [step for kind, step in builds if kind == ecosystem]
        key = _ECOSYSTEM_KEYS[ecosystem]
        if ecosystem == "Go":
            return self._go(steps, command)
        if ecosystem == "Rust":
            return self._rust(steps, command)
        if ecosystem == "Java":
            return self._java(steps, command)
        if ecosystem == "Node.js":
            return self._node(steps, command, key)
        return self._python(steps, command)

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
            if instruction.heredocs or instruction.is_exec_form:
                continue
            after_cd = False
            for position, command in enumerate(commands_of(instruction)):
                self.steps.append(_Step(instruction, command, position, workdir, after_cd))
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

    def _builds(self) -> list[tuple[str, _Step]]:
        found = []
        for step in self.steps:
            command = step.command
            ecosystem = build_ecosystem(command) or install_ecosystem(command) or _pip_install(command)
            if ecosystem in _ECOSYSTEM_KEYS:
                found.append((ecosystem, step))
            elif command.name in _PYTHON_INSTALLERS and _subcommand(command) in ("install", "sync", "pip"):
                raise Refused(
                    f"line {step.instruction.start_line}: installs with {command.name}; only pip installs "
                    "are moved into a virtualenv"
                )
        return found

    # Ecosystems -------------------------------------------------------------------------------------

    def _go(self, steps: list[_Step], command: _Command) -> _Plan:
        builds = [s for s in steps if _subcommand(s.command) in ("build", "install")]
        if not builds:
            raise Refused("the stage fetches Go modules but builds no binary (no go build or go install)")
        step = builds[-1]
        artefact = self._go_output(step)
        key = "go" if self._cgo_disabled(step) else "go-cgo"
        base, _configured = runtime_base(key, self.stage.base, self.bases)
        plan = _Plan("Go", base)
        if key == "go-cgo":
            if self._is_alpine():
                raise Refused(
                    "cgo is on (a C compiler is installed and CGO_ENABLED is not 0) in a musl (Alpine) "
                    "builder: the binary links musl dynamically and would not run on a glibc runtime; set "
                    "CGO_ENABLED=0 first"
                )
            self.notes.append(
                "CGO_ENABLED is not 0, so the Go binary may link glibc and C libraries dynamically: the "
                f"runtime uses {base}, which has glibc but no other C libraries (set CGO_ENABLED=0 for a "
                "static binary)"
            )
        elif self._is_alpine() and not self._cgo_explicitly_off(step):
            self.notes.append("no C compiler in the Alpine builder, so cgo is off and the binary static")
        artefacts = self._follow([artefact], step)
        return self._finish(plan, artefacts, command, step)

    def _go_output(self, step: _Step) -> str:
        words = [word.value or "" for word in step.command.arguments]
        output = _flag_value(words, "-o")
        subcommand = _subcommand(step.command)
        packages = [w for w in _positional(words[1:], ("-o", "-ldflags", "-tags", "-gcflags", "-mod", "-p"))]
        if subcommand == "install":
            if output is not None:
                raise Refused("go install does not take -o")
            name = self._go_package_name(step, packages)
            gobin = self.build.variables_before(step.instruction).get("GOBIN")
            gopath = self.build.variables_before(step.instruction).get("GOPATH", "/go")
            return posixpath.join(gobin or posixpath.join(gopath, "bin"), name)
        if output is None:
            output = self._go_package_name(step, packages)
        return self._absolute(step, output)

    def _go_package_name(self, step: _Step, packages: list[str]) -> str:
        if len(packages) > 1 or any("..." in p or "@" in p for p in packages):
            raise Refused(
                "go builds several packages or a remote one: the binary's path is not known; use -o"
            )
        package = packages[0] if packages else "."
        if package.startswith(("./", "../")) and package.rstrip("/") not in (".", ".."):
            return posixpath.basename(package.rstrip("/"))
        module = self._context_file(step, "go.mod")
        found = re.search(r"^module\s+(\S+)", module or "", re.MULTILINE)
        if found is None:
            raise Refused(
                "go build without -o names the binary after the module, and go.mod could not be read from "
                "the build context: give -o"
            )
        last = found.group(1).rsplit("/", 1)[-1]
        return last if not re.fullmatch(r"v\d+", last) else found.group(1).rsplit("/", 2)[-2]

    def _cgo_disabled(self, step: _Step) -> bool:
        if self._cgo_explicitly_off(step):
            return True
        if self._cgo_explicitly_on(step):
            return False
        # Without a C compiler the go command turns cgo off itself (Go 1.20 and later).
        return self._is_alpine() and not self._installs("gcc", "build-base", "musl-dev", "clang")

    def _cgo_explicitly_off(self, step: _Step) -> bool:
        value = self.build.variables_before(step.instruction).get("CGO_ENABLED")
        return value == "0" or "CGO_ENABLED=0" in step.instruction.line

    def _cgo_explicitly_on(self, step: _Step) -> bool:
        value = self.build.variables_before(step.instruction).get("CGO_ENABLED")
        return value == "1" or "CGO_ENABLED=1" in step.instruction.line

    def _rust(self, steps: list[_Step], command: _Command) -> _Plan:
        builds = [s for s in steps if _subcommand(s.command) in ("build", "install")]
        if not builds:
            raise Refused("the stage fetches crates but builds nothing (no cargo build or cargo install)")
        step = builds[-1]
        words = [word.value or "" for word in step.command.arguments]
        if "--manifest-path" in words or any(w.startswith("--manifest-path=") for w in words):
            raise Refused("cargo build --manifest-path: the binary's path is not read")
        name = _flag_value(words, "--bin") or _flag_value(words, "-p") or _flag_value(words, "--package")
        name = name or self._crate_binary(step)
        triple = _flag_value(words, "--target")
        variables = self.build.variables_before(step.instruction)
        if _subcommand(step.command) == "install":
            root = (
                _flag_value(words, "--root")
                or variables.get("CARGO_INSTALL_ROOT")
                or variables.get("CARGO_HOME")
            )
            if not root:
                raise Refused(
                    "cargo install without --root or CARGO_HOME: where the binary goes is not known"
                )
            artefact = posixpath.join(root, "bin", name)
        else:
            profile = _flag_value(words, "--profile") or (
                "release" if "--release" in words or "-r" in words else "debug"
            )
            profile = "debug" if profile == "dev" else profile
            target = _flag_value(words, "--target-dir") or variables.get("CARGO_TARGET_DIR") or "target"
            parts = [target, *([triple] if triple else []), profile, name]
            artefact = self._absolute(step, posixpath.join(*parts))
        static = bool(triple and "musl" in triple)
        base, _configured = runtime_base("rust", self.stage.base, self.bases)
        if static and "rust" not in self.bases:
            base = DEFAULT_RUNTIME_BASES["go"]  # a static binary needs no libc
        if not static and self._is_alpine():
            raise Refused(
                "a Rust build in a musl (Alpine) builder links musl: it would not run on the glibc runtime; "
                "build for the musl target explicitly (--target x86_64-unknown-linux-musl)"
            )
        if not static:
            self.notes.append(
                f"the Rust binary links glibc and libgcc dynamically ({base} has them); other C libraries "
                "its crates link (OpenSSL, libpq) are not in the runtime image"
            )
        plan = _Plan("Rust", base)
        return self._finish(plan, self._follow([artefact], step), command, step)

    def _crate_binary(self, step: _Step) -> str:
        manifest = self._context_file(step, "Cargo.toml")
        if manifest is None:
            raise Refused(
                "the binary's name comes from Cargo.toml, which could not be read from the build context "
                "(give cargo --bin NAME, or run dockwise where the context is)"
            )
        document = _toml(manifest)
        bins = [b.get("name") for b in document.get("bin", []) if isinstance(b, dict)]
        if len(bins) == 1 and isinstance(bins[0], str):
            return bins[0]
        package = document.get("package", {})
        if len(bins) > 1 or not isinstance(package, dict) or not isinstance(package.get("name"), str):
            raise Refused("Cargo.toml defines several binaries or a workspace: give cargo --bin NAME")
        return str(package["name"])

    def _java(self, steps: list[_Step], command: _Command) -> _Plan:
        builds = [s for s in steps if build_ecosystem(s.command) == "Java" and s.command.name != "javac"]
        if not builds:
            raise Refused("no mvn or gradle package step: the JAR's path is not known")
        step = builds[-1]
        jar = _jar_of(command)
        if jar is None:
            raise Refused(
                "the command does not run `java -jar FILE`: which JAR (or classpath) to copy is not known"
            )
        base, configured = runtime_base("java", self.stage.base, self.bases)
        plan = _Plan("Java", base)
        builder_version = self.stage.base and self.stage.base.tag
        if not configured and self.stage.base is not None and "java" in base:
            from dockwise.fix.runtime_bases import java_version

            if java_version(self.stage.base) is None:
                self.notes.append(
                    f"the builder's JDK version is not in its tag ({builder_version or 'none'}): the runtime "
                    f"{base} must run classes of that version"
                )
        artefact = self._absolute_at(self.workdir or "/", jar)
        if "*" in artefact:
            raise Refused(f"the command runs a JAR by a pattern ({jar}): give its file name")
        return self._finish(plan, [artefact], command, step)

    def _node(self, steps: list[_Step], command: _Command, key: str) -> _Plan:
        installs = [s for s in steps if install_ecosystem(s.command) == "Node.js"]
        if not installs:
            raise Refused("no npm ci, npm install or yarn install: node_modules is not built in the stage")
        step = installs[-1]
        if step.after_cd or step.workdir != (self.workdir or "/"):
            raise Refused(
                "the dependencies are installed in another directory than the WORKDIR the app runs in"
            )
        if self.workdir is None:
            raise Refused("no WORKDIR: the app's files are not in a directory of their own to copy")
        base, _configured = runtime_base(key, self.stage.base, self.bases)
        plan = _Plan("Node.js", base)
        native = self._installs(*_NATIVE_NODE) or self._context_has(step, "binding.gyp")
        if native and self._is_alpine():
            raise Refused(
                "native modules are built (node-gyp, binding.gyp) in a musl (Alpine) builder: they would not "
                "load on the glibc runtime"
            )
        if native:
            self.notes.append(
                "native modules are compiled in the builder (node-gyp): they load only if the runtime has "
                "the same Node.js ABI and the C libraries they link"
            )
        if self.stage.base is None or self.stage.base.repository.rsplit("/", 1)[-1] != "node":
            self.notes.append(
                f"the builder's Node.js version is not known from its image: {base} must match it"
            )
        self._prune(plan, step)
        return self._finish(plan, [self.workdir], command, steps[-1])

    def _prune(self, plan: _Plan, step: _Step) -> None:
        """Drop the dev dependencies after the build (which may need them) and before the copy."""
        words = [w.value or "" for w in step.command.arguments]
        production = any(w in ("--omit=dev", "--production", "--only=production", "--prod") for w in words)
        environment = self.build.variables_before(step.instruction).get("NODE_ENV")
        if production or environment == "production":
            return
        name = step.command.name
        prune = {
            "npm": "npm prune --omit=dev",
            "yarn": "yarn install --production --frozen-lockfile --ignore-scripts --prefer-offline",
            "pnpm": "pnpm prune --prod",
        }.get(name or "")
        if prune is None:
            raise Refused(f"{name} installs the dependencies: dockwise cannot drop the dev ones")
        if name == "yarn":
            self.notes.append(
                "the dev dependencies are dropped with Yarn 1's `--production`; Yarn 2+ needs "
                "`yarn workspaces focus --production` instead"
            )
        last_run = [i for i in self.stage.instructions if i.keyword == "RUN"][-1]
        plan.edits.append(Edit.insert(_line_end(self.build.dockerfile.render(), last_run), f"RUN {prune}\n"))

    def _python(self, steps: list[_Step], command: _Command) -> _Plan:
        installs = [s for s in steps if _pip_install(s.command)]
        if not installs:
            raise Refused("no pip install: nothing to move into a virtualenv")
        for step in installs:
            words = [w.value or "" for w in step.command.arguments]
            bad = [
                w
                for w in words
                if w in ("--user", "-t", "--target", "--prefix", "--root")
                or w.startswith(("--target=", "--prefix=", "--root="))
            ]
            if bad:
                raise Refused(
                    f"line {step.instruction.start_line}: pip install {bad[0]} installs outside a virtualenv"
                )
            program = step.command.words[0].value or ""
            if program.startswith("/"):
                raise Refused(
                    f"line {step.instruction.start_line}: {program} is called by path, so it would "
                    "bypass the virtualenv"
                )
        first = installs[0]
        base, configured = runtime_base("python", self.stage.base, self.bases)
        plan = _Plan("Python", base)
        text = self.build.dockerfile.render()
        plan.edits.append(
            Edit.insert(
                _line_start(text, first.instruction), f'ENV VIRTUAL_ENV={VENV} PATH="{VENV}/bin:$PATH"\n'
            )
        )
        plan.edits.append(Edit.insert(first.command.range.start, f"python3 -m venv {VENV} && "))
        official = self._base_name() == "python"
        if not official and not configured:
            raise Refused(
                "the builder's Python does not come from an official python image, so which runtime has the "
                "same interpreter at the same path (which the virtualenv links to) is not known; name one "
                "with "
                "--runtime-base python=IMAGE or [multi-stage.runtime-bases]"
            )
        if self._is_alpine() and "alpine" not in base:
            raise Refused(
                f"the Python packages are installed in a musl (Alpine) builder: its interpreter and compiled "
                f"modules would not run on {base}; configure an Alpine runtime base "
                "(--runtime-base python=IMAGE)"
            )
        if not official or configured:
            self.notes.append(
                "the virtualenv's python links to the builder's interpreter: "
                f"{base} must have it at the same "
                "path and version"
            )
        apt = any(step.command.name in ("apt-get", "apt") for step in self.steps)
        if not official and apt and not self._installs("python3-venv", "python3-full"):
            self.notes.append(
                "`python3 -m venv` needs the python3-venv package on Debian and Ubuntu builders"
            )
        artefacts = [VENV, *([self.workdir] if self.workdir else [])]
        return self._finish(plan, artefacts, command, steps[-1])

    # The runtime stage ------------------------------------------------------------------------------

    def _finish(self, plan: _Plan, artefacts: list[str], command: _Command, last: _Step) -> _Plan:
        self._check_after(plan.ecosystem, last, artefacts)
        self._note_packages(plan.base)
        text = self.build.dockerfile.render()
        if self.stage.name is None:
            plan.edits.insert(0, Edit.insert(self.stage.from_instruction.range.end, f" AS {BUILDER}"))
        lines = ["", f"FROM {plan.base}"]
        lines += self._carried(plan.base)
        if plan.ecosystem == "Python":
            lines.append(f'ENV VIRTUAL_ENV={VENV} PATH="{VENV}/bin:$PATH"')
        if self.workdir:
            lines.append(f"WORKDIR {self.workdir}")
        for path in _unique(artefacts + self._copied_elsewhere(artefacts)):
            lines.append(f"COPY --from={self.builder} {_quote(path)} {_quote(path)}")
        lines.append(f"USER {self._user(plan.base)}")
        lines += self._healthcheck(plan.base)
        lines += self._command_lines(plan, command)
        plan.edits.append(
            Edit.insert(len(text), ("" if text.endswith("\n") else "\n") + "\n".join(lines) + "\n")
        )
        plan.notes.extend(self.notes)
        return plan

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
            if (
                instruction.keyword not in ("COPY", "ADD")
                or instruction.heredocs
                or len(instruction.arguments) < 2
            ):
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
        sources = instruction.arguments[:-1]
        if raw.endswith("/") and len(sources) == 1 and "." in posixpath.basename(sources[0].rstrip("/")):
            destination = posixpath.join(destination, posixpath.basename(sources[0]))
        return destination

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
        checks = [i for i in self.stage.instructions if i.keyword == "HEALTHCHECK"]
        if not checks:
            return []
        check = checks[-1]
        text = self.build.dockerfile.render()[check.range.start : check.range.end]
        if is_distroless(base) and re.search(r"\b(curl|wget)\b", check.line):
            self.notes.append(
                f"line {check.start_line}: the HEALTHCHECK runs curl or wget, which {base} does not "
                "have: it will report unhealthy (probe from outside, or add a static probe binary)"
            )
        elif not has_shell(base) and not check.is_exec_form and "NONE" not in check.line.upper():
            self.notes.append(
                f"line {check.start_line}: the HEALTHCHECK is in shell form and {base} has no shell"
            )
        return [text]

    def _command_lines(self, plan: _Plan, command: _Command) -> list[str]:
        entrypoint, cmd = command
        lines = []
        node_entry = plan.ecosystem == "Node.js" and "distroless/nodejs" in plan.base
        interpreter_base = is_distroless(plan.base) and any(
            n in plan.base for n in ("nodejs", "python", "java")
        )
        if entrypoint is None and interpreter_base:
            lines.append("ENTRYPOINT []")  # these bases start their interpreter: run the command as written
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

    def _runnable(self, words: list[str], plan: _Plan, node_entry: bool, first: bool) -> list[str]:
        if not first or not words:
            return words
        program = posixpath.basename(words[0])
        if not has_shell(plan.base) and (program.endswith((".sh", ".bash")) or "entrypoint" in program):
            raise Refused(
                f"the command runs the script {words[0]}, which needs a shell, and {plan.base} has none; "
                "configure a runtime base with a shell (--runtime-base) or run the program directly"
            )
        if program in ("npm", "yarn", "pnpm") and not has_shell(plan.base):
            words = self._npm_script(words)
            program = "node"
        if node_entry and program in ("node", "nodejs"):
            return ["/nodejs/bin/node", *words[1:]]
        return words

    def _npm_script(self, words: list[str]) -> list[str]:
        """`npm start` → the `node ...` its package.json script runs (npm is not in the runtime image)."""
        script = words[2] if len(words) > 2 and words[1] == "run" else (words[1] if len(words) > 1 else "")
        manifest = self._context_file(None, "package.json")
        scripts = (json.loads(manifest).get("scripts", {}) if manifest else {}) if _is_json(manifest) else {}
        line = scripts.get(script) if isinstance(scripts, dict) else None
        if not isinstance(line, str):
            raise Refused(
                f"the command runs `{' '.join(words)}`, and npm is not in the runtime image; the script "
                "could not be read from package.json: run node directly"
            )
        plain = plain_command_words(line)
        if plain is None or posixpath.basename(plain[0]) != "node":
            raise Refused(
                f"the {script} script ({line!r}) is not a plain `node ...` command; run node directly"
            )
        self.notes.append(
            f"`{' '.join(words)}` became `{line}` (package.json's {script} script): npm is not in "
            "the runtime image"
        )
        return list(plain)

    # Checks -----------------------------------------------------------------------------------------

    def _check_after(self, ecosystem: str, last: _Step, artefacts: list[str]) -> None:
        """Refuse when a step after the build writes where the runtime stage does not copy from."""
        copies_whole_dir = ecosystem in ("Node.js", "Python")
        noted: set[int] = set()
        for step in self.steps:
            if (step.instruction.index, step.position) <= (last.instruction.index, last.position):
                continue
            name = step.command.name or ""
            if name in _RELOCATORS and not copies_whole_dir:
                continue  # handled by _follow
            if name == "chown" and step.instruction.index not in noted:
                noted.add(step.instruction.index)
                self.notes.append(
                    f"line {step.instruction.start_line}: `{_text(step.command)}` after the build: "
                    "COPY --from does not keep ownership (the runtime's files belong to root)"
                )
            if name in _HARMLESS_AFTER and not self._installs_after(step):
                continue
            if name == "mkdir":
                self.notes.append(
                    f"line {step.instruction.start_line}: directories made after the build are not "
                    "in the runtime image unless under the copied paths"
                )
                continue
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

    def _installs_after(self, step: _Step) -> bool:
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

    def _follow(self, artefacts: list[str], build_step: _Step) -> list[str]:
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

    def _absolute(self, step: _Step, path: str) -> str:
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

    def _context_file(self, step: _Step | None, name: str) -> str | None:
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
            destination = self._absolute_at(
                self.workdir_at.get(instruction.index, "/"), instruction.arguments[-1]
            )
            for source in instruction.arguments[:-1]:
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

    def _context_has(self, step: _Step, name: str) -> bool:
        return self._context_file(step, name) is not None


_Command = tuple[Instruction | None, Instruction | None]


def _subcommand(command: ShellCommand) -> str | None:
    words = [v for v in command.values() if not v.startswith("-")]
    return words[0] if words else None


def _pip_install(command: ShellCommand) -> str | None:
    name = command.name or ""
    values = command.values()
    if re.fullmatch(r"pip[\d.]*", name) and "install" in values:
        return "Python"
    if name.startswith("python") and values[:3] == ["-m", "pip", "install"]:
        return "Python"
    return None


def _flag_value(words: Sequence[str], flag: str) -> str | None:
    for index, word in enumerate(words):
        if word == flag and index + 1 < len(words):
            return words[index + 1]
        if word.startswith(flag + "="):
            return word[len(flag) + 1 :]
    return None


def _positional(words: Sequence[str], with_values: Sequence[str]) -> list[str]:
    found = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word in with_values:
            skip = True
        elif not word.startswith("-"):
            found.append(word)
    return found


def _jar_of(command: _Command) -> str | None:
    for instruction in command:
        if instruction is None:
            continue
        words = list(instruction.arguments) if instruction.is_exec_form else instruction.line.split()[1:]
        if "-jar" in words and words.index("-jar") + 1 < len(words):
            return words[words.index("-jar") + 1]
    return None


def _arg_names(instruction: Instruction) -> list[str]:
    return [argument.split("=", 1)[0] for argument in instruction.arguments]


def _text(command: ShellCommand) -> str:
    return " ".join(word.text for word in command.words)


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _quote(path: str) -> str:
    return json.dumps(path) if any(c.isspace() for c in path) else path


def _line_start(text: str, instruction: Instruction) -> int:
    return text.rfind("\n", 0, instruction.range.start) + 1


def _line_end(text: str, instruction: Instruction) -> int:
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


def _toml(text: str) -> dict[str, Any]:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise Refused(f"Cargo.toml is not valid TOML ({error})") from None
    return document
