"""Each ecosystem's part of `fix --multi-stage`: which commands build, where the artefact ends up, which
runtime base fits, and what the builder stage needs added (a virtualenv for pip, a prune for Node)."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Sequence
from typing import Any

from dockwise.diagnostics import Edit
from dockwise.dockerfile.shell import ShellCommand
from dockwise.fix.multistage_stage import (
    VENV,
    Command,
    Plan,
    Refused,
    StagePlanner,
    Step,
    line_end,
    line_start,
)
from dockwise.fix.runtime_bases import DEFAULT_RUNTIME_BASES, java_version, runtime_base
from dockwise.rules.dockerfile.multi_stage import build_ecosystem, install_ecosystem

_ECOSYSTEM_KEYS = {"Go": "go", "Rust": "rust", "Node.js": "node", "Python": "python", "Java": "java"}
_NATIVE_NODE = frozenset({"node-gyp", "python3", "python", "make", "g++", "build-base", "build-essential"})
_GO_FLAGS_WITH_VALUES = (
    "-o", "-ldflags", "-tags", "-gcflags", "-asmflags", "-gccgoflags", "-mod", "-modfile", "-p", "-C",
    "-installsuffix", "-pkgdir", "-overlay", "-buildmode", "-compiler", "-pgo",
)  # fmt: skip
_PYTHON_INSTALLERS = frozenset({"poetry", "pipenv", "uv", "pdm", "conda", "micromamba"})


_IMPORTS_C = re.compile(r'^\s*(?:import\s+)?"C"\s*(?://.*)?$', re.MULTILINE)
"""`import "C"`, alone or as a line of an import block: the file uses cgo."""
_MAX_CONTEXT_FILES = 20_000


_IMPORTS_C_SEEN: dict[str, tuple[int, int, bool]] = {}
"""Whether each Go file read imports "C", with the modification time and size it had then."""


def _imports_c(path: str) -> bool:
    """Whether a Go file imports "C" (True when it cannot be read: cgo is then not ruled out).

    DW151 plans the rewrite in every lint, and `dockwise lsp` lints on every keystroke: a file is read
    again only when its modification time or size changed (a build context of 3,000 Go files: 72 ms a
    keystroke with every file read, 23 ms with the walk and a stat of each)."""
    try:
        status = os.stat(path)
    except OSError:
        return True
    known = _IMPORTS_C_SEEN.get(path)
    if known is not None and known[:2] == (status.st_mtime_ns, status.st_size):
        return known[2]
    try:
        with open(path, encoding="utf-8", errors="replace") as source:
            found = _IMPORTS_C.search(source.read()) is not None
    except OSError:
        return True
    if len(_IMPORTS_C_SEEN) >= _MAX_CONTEXT_FILES:
        _IMPORTS_C_SEEN.clear()
    _IMPORTS_C_SEEN[path] = (status.st_mtime_ns, status.st_size, found)
    return found


class Planner(StagePlanner):
    """Finds the build of one ecosystem and plans the rewrite around its artefact."""

    def plan(self) -> Plan:
        stage = self.stage
        if stage.is_fragment:
            raise Refused("the file has no FROM: there is no builder stage to keep")
        if stage.base_stage is not None or stage.is_scratch:
            raise Refused("the stage is not built FROM an image")
        if stage.base is not None and re.search(r"windows|nanoserver|servercore", stage.base_expanded, re.I):
            raise Refused("the builder is a Windows image: the runtime bases are Linux images")
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
                "is not clear; split it by hand (one stage per build)"
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

    def _builds(self) -> list[tuple[str, Step]]:
        found = []
        for step in self.steps:
            command = step.command
            ecosystem = build_ecosystem(command) or install_ecosystem(command) or _pip_install(command)
            if ecosystem in _ECOSYSTEM_KEYS:
                found.append((ecosystem, step))
            elif ecosystem is not None and ecosystem != "C/C++":  # C builds native extensions of the others
                raise Refused(
                    f"line {step.instruction.start_line}: the stage also builds or installs {ecosystem}, "
                    "which the rewrite does not handle"
                )
            elif command.name in _PYTHON_INSTALLERS and _subcommand(command) in ("install", "sync", "pip"):
                raise Refused(
                    f"line {step.instruction.start_line}: installs with {command.name}; only pip installs "
                    "are moved into a virtualenv"
                )
        return found

    # Ecosystems -------------------------------------------------------------------------------------

    def _go(self, steps: list[Step], command: Command) -> Plan:
        builds = [s for s in steps if _subcommand(s.command) in ("build", "install")]
        if not builds:
            raise Refused("the stage fetches Go modules but builds no binary (no go build or go install)")
        step = builds[-1]
        artefact = self._go_output(step)
        key = "go" if self._cgo_disabled(step) else "go-cgo"
        turned_off = key == "go-cgo" and self._may_turn_cgo_off(step)
        if turned_off:
            key = "go"
        base, _configured = runtime_base(key, self.stage.base, self.bases)
        plan = Plan("Go", base)
        if turned_off:
            first_word = step.command.words[0].range.start
            plan.edits.append(Edit.insert(first_word, "CGO_ENABLED=0 "))
            self.notes.append(
                'cgo turned off for the build (CGO_ENABLED=0): no Go file of the build context imports "C", '
                f"and with cgo on (a C compiler is in the builder) the binary would link glibc and not run "
                f"on {base}"
            )
        elif key == "go-cgo":
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

    def _go_output(self, step: Step) -> str:
        words = [word.value or "" for word in step.command.arguments]
        output = _flag_value(words, "-o")
        subcommand = _subcommand(step.command)
        packages = _positional(words[1:], _GO_FLAGS_WITH_VALUES)
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

    def _go_package_name(self, step: Step, packages: list[str]) -> str:
        if len(packages) > 1 or any("..." in p or "@" in p for p in packages):
            raise Refused(
                "go builds several packages or a remote one: the binary's path is not known; use -o"
            )
        package = packages[0] if packages else "."
        if package.endswith(".go"):  # `go build main.go` names the binary after the file
            return posixpath.basename(package)[: -len(".go")]
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

    def _cgo_disabled(self, step: Step) -> bool:
        if self._cgo_explicitly_off(step):
            return True
        if self._cgo_explicitly_on(step):
            return False
        # Without a C compiler the go command turns cgo off itself (Go 1.20 and later).
        return self._is_alpine() and not self._installs("gcc", "build-base", "musl-dev", "clang")

    def _may_turn_cgo_off(self, step: Step) -> bool:
        """Whether the build can do without cgo: Go files are in the build context and none imports "C"
        (then the standard library's pure-Go resolver and user lookup take over). Not when the file asks
        for cgo, nor in an Alpine builder (refused there), nor when the sources cannot be read."""
        if self._cgo_explicitly_on(step) or self._is_alpine() or self.context_dir is None:
            return False
        sources = []
        seen = 0
        for folder, directories, files in os.walk(self.context_dir):
            directories[:] = [d for d in directories if d not in (".git", "node_modules")]
            seen += len(files)
            if seen > _MAX_CONTEXT_FILES:
                return False  # a tree this large is not read whole (DW151 plans this during a lint)
            sources += [os.path.join(folder, name) for name in files if name.endswith(".go")]
        return bool(sources) and not any(_imports_c(path) for path in sources)

    def _cgo_explicitly_off(self, step: Step) -> bool:
        value = self.build.variables_before(step.instruction).get("CGO_ENABLED")
        return value == "0" or "CGO_ENABLED=0" in step.instruction.line

    def _cgo_explicitly_on(self, step: Step) -> bool:
        value = self.build.variables_before(step.instruction).get("CGO_ENABLED")
        return value == "1" or "CGO_ENABLED=1" in step.instruction.line

    def _rust(self, steps: list[Step], command: Command) -> Plan:
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
        plan = Plan("Rust", base)
        return self._finish(plan, self._follow([artefact], step), command, step)

    def _crate_binary(self, step: Step) -> str:
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

    def _java(self, steps: list[Step], command: Command) -> Plan:
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
        plan = Plan("Java", base)
        builder = self.stage.base
        if not configured and builder is not None and java_version(builder) is None:
            self.notes.append(
                f"the builder's JDK version is not in its tag ({builder.tag or 'none'}): the runtime {base} "
                "must run classes of that version"
            )
        artefact = self._absolute_at(self.workdir or "/", jar)
        if "*" in artefact:
            raise Refused(f"the command runs a JAR by a pattern ({jar}): give its file name")
        return self._finish(plan, [artefact], command, step)

    def _node(self, steps: list[Step], command: Command, key: str) -> Plan:
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
        base, configured = runtime_base(key, self.stage.base, self.bases)
        plan = Plan("Node.js", base)
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
        tag = (self.stage.base.tag if self.stage.base else None) or ""
        versioned = self._base_name() == "node" and tag.split(".", 1)[0].split("-", 1)[0].isdigit()
        if configured or not versioned:
            self.notes.append(
                f"the builder's Node.js version ({self.stage.base_name}) is not known to match {base}'s: "
                "modules built or installed for one may not load on the other"
            )
        self._prune(plan, step)
        return self._finish(plan, [self.workdir], command, steps[-1])

    def _prune(self, plan: Plan, step: Step) -> None:
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
        plan.edits.append(Edit.insert(line_end(self.build.dockerfile.render(), last_run), f"RUN {prune}\n"))

    def _python(self, steps: list[Step], command: Command) -> Plan:
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
        plan = Plan("Python", base)
        venv, made = self._existing_venv(installs[-1])
        if venv is None and (first.instruction.is_exec_form or first.instruction.heredocs):
            raise Refused(
                f"line {first.instruction.start_line}: the first pip install is in an exec-form RUN or a "
                "heredoc, where dockwise does not insert the virtualenv"
            )
        if venv is not None and made is not None:
            early = [s for s in installs if (s.instruction.index, s.position) < made]
            if early:
                self.notes.append(
                    f"line {early[0].instruction.start_line}: pip installs before the stage makes its "
                    f"virtualenv {venv}: those packages are not copied"
                )
        if venv is None:
            venv = VENV
            text = self.build.dockerfile.render()
            activate = f'ENV VIRTUAL_ENV={VENV} PATH="{VENV}/bin:$PATH"'
            plan.edits.append(Edit.insert(line_start(text, first.instruction), activate + "\n"))
            plan.edits.append(Edit.insert(_before_assignments(text, first), f"python3 -m venv {VENV} && "))
            plan.env.append(activate)
        official = self._base_name() == "python"
        tag = self.stage.base.tag if self.stage.base is not None else None
        if official and (tag or "").startswith("2"):
            raise Refused("Python 2 has no venv module: the packages cannot be moved into a virtualenv")
        if not official and not configured:
            raise Refused(
                "the builder's Python does not come from an official python image, so which runtime has the "
                "same interpreter at the same path (which the virtualenv links to) is not known; name one "
                "with --runtime-base python=IMAGE or [multi-stage.runtime-bases]"
            )
        if self._is_alpine() and "alpine" not in base:
            raise Refused(
                f"the Python packages are installed in a musl (Alpine) builder: its interpreter and compiled "
                f"modules would not run on {base}; configure an Alpine runtime base "
                "(--runtime-base python=IMAGE)"
            )
        if not official or configured:
            self.notes.append(
                f"the virtualenv's python links to the builder's interpreter: {base} must have it at "
                "the same path and version"
            )
        apt = any(step.command.name in ("apt-get", "apt") for step in self.steps)
        if not official and apt and not self._installs("python3-venv", "python3-full"):
            self.notes.append(
                "`python3 -m venv` needs the python3-venv package on Debian and Ubuntu builders"
            )
        artefacts = [venv, *([self.workdir] if self.workdir else [])]
        return self._finish(plan, artefacts, command, steps[-1])

    def _existing_venv(self, last_install: Step) -> tuple[str | None, tuple[int, int] | None]:
        """The virtualenv the stage makes itself before it installs (`python -m venv /app/.venv`), and
        where: its packages are then already in one directory to copy, and its ENV lines are carried."""
        for step in self.steps:
            where = (step.instruction.index, step.position)
            if where >= (last_install.instruction.index, last_install.position):
                break
            name = step.command.name or ""
            values = [
                w.value if w.value is not None else self.build.expand(step.instruction, w.text)
                for w in step.command.arguments
            ]
            if name.startswith("python") and values[:2] == ["-m", "venv"]:
                paths = [v for v in values[2:] if not v.startswith("-")]
            elif name == "virtualenv":
                paths = [v for v in values if not v.startswith("-")]
            else:
                continue
            if len(paths) == 1:
                return self._absolute(step, paths[0]), where
        return None, None


def _before_assignments(text: str, step: Step) -> int:
    """Where the command of `step` starts with the variables assigned in front of it (`USER=root pip ...`)."""
    start = step.command.range.start
    begin = text.rfind("\n", 0, start) + 1
    found = re.search(r"(?:[A-Za-z_]\w*=\S*[ \t]+)+$", text[begin:start])
    return begin + found.start() if found else start


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


def _jar_of(command: Command) -> str | None:
    for instruction in command:
        if instruction is None:
            continue
        words = list(instruction.arguments) if instruction.is_exec_form else instruction.line.split()[1:]
        if "-jar" in words and words.index("-jar") + 1 < len(words):
            return words[words.index("-jar") + 1]
    return None


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
