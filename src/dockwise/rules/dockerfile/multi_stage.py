"""Rules of the `multi-stage` category about what a build does where: compilers belong in builder stages,
and independent builds belong in stages of their own so BuildKit runs them side by side."""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Fix, Severity, TextRange
from dockwise.dockerfile.build import Stage
from dockwise.dockerfile.shell import ShellCommand, command_fact
from dockwise.dockerfile.tree import Instruction
from dockwise.record import Record
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability, is_base_image
from dockwise.rules.dockerfile.cache import installs_dependencies

#: Official images that are a compiler toolchain, by the last part of their repository.
_TOOLCHAIN_IMAGES = frozenset({"golang", "rust", "maven", "gradle", "gcc", "buildpack-deps", "swift", "sdk"})
#: JDK images: a toolchain unless the tag says JRE.
_JDK_IMAGES = frozenset({"openjdk", "eclipse-temurin", "amazoncorretto", "sapmachine", "ibm-semeru-runtimes"})
#: Packages that install a compiler toolchain (apt, apk, yum/dnf names).
_TOOLCHAIN_PACKAGES = frozenset(
    {
        "build-essential", "gcc", "g++", "clang", "build-base", "gcc-c++", "golang", "golang-go", "rustc",
        "cargo", "default-jdk", "default-jdk-headless", "maven", "gradle", "@development-tools",
    }
)  # fmt: skip
_INSTALLERS = {"apt-get": "install", "apt": "install", "apk": "add", "yum": "install", "dnf": "install"}
_REMOVERS = {
    "apt-get": ("purge", "remove", "autoremove"),
    "apt": ("purge", "remove", "autoremove"),
    "apk": ("del",),
    "yum": ("remove", "autoremove"),
    "dnf": ("remove", "autoremove"),
}
#: Commands that compile or bundle, by program: (subcommands that do it, ecosystem). Empty: any use.
_BUILD_COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "go": (("build", "install"), "Go"),
    "cargo": (("build", "install"), "Rust"),
    "rustc": ((), "Rust"),
    "mvn": (("package", "install", "verify", "compile"), "Java"),
    "mvnw": (("package", "install", "verify", "compile"), "Java"),
    "gradle": (("build", "assemble", "installDist", "bootJar", "shadowJar", "jar"), "Java"),
    "gradlew": (("build", "assemble", "installDist", "bootJar", "shadowJar", "jar"), "Java"),
    "javac": ((), "Java"),
    "dotnet": (("build", "publish"), ".NET"),
    "tsc": ((), "Node.js"),
    "gcc": ((), "C/C++"),
    "g++": ((), "C/C++"),
    "cc": ((), "C/C++"),
    "clang": ((), "C/C++"),
}
_JS_BUILDERS = frozenset({"npm", "yarn", "pnpm"})
_INSTALL_ECOSYSTEMS = {
    "npm": "Node.js", "yarn": "Node.js", "pnpm": "Node.js", "poetry": "Python", "uv": "Python",
    "pipenv": "Python", "pdm": "Python", "go": "Go", "cargo": "Rust", "mvn": "Java", "bundle": "Ruby",
    "composer": "PHP",
}  # fmt: skip


def _arguments(command: ShellCommand) -> list[str]:
    return [value for value in command.values() if not value.startswith("-")]


@command_fact
def build_ecosystem(command: ShellCommand) -> str | None:
    """The ecosystem a compile or bundle command builds for (`go build` → Go), else None."""
    name = command.name or ""
    words = _arguments(command)
    if name in _JS_BUILDERS:
        is_build = words[:2] == ["run", "build"] or words[:1] == ["build"]
        return "Node.js" if is_build else None
    known = _BUILD_COMMANDS.get(name)
    if known is None:
        return None
    subcommands, ecosystem = known
    if subcommands:
        return ecosystem if words and words[0] in subcommands else None
    return ecosystem if words else None  # `javac Main.java` compiles, `javac --version` does not


@command_fact
def install_ecosystem(command: ShellCommand) -> str | None:
    """The ecosystem whose dependencies a manifest install fetches (`npm ci` → Node.js), else None."""
    if not installs_dependencies(command):
        return None
    name = command.name or ""
    return "Python" if name.startswith(("pip", "python")) else _INSTALL_ECOSYSTEMS.get(name)


def _toolchain_base(stage: Stage) -> str | None:
    reference = stage.base
    if reference is None or stage.base_stage is not None:
        return None
    last = reference.repository.rsplit("/", 1)[-1]
    tag = (reference.tag or "").lower()
    if last in _TOOLCHAIN_IMAGES and not (last == "sdk" and "dotnet" not in reference.repository):
        return stage.base_expanded
    if last in _JDK_IMAGES and "jre" not in tag:
        return stage.base_expanded
    return None


def _installed_toolchain(commands: tuple[ShellCommand, ...]) -> tuple[ShellCommand, str] | None:
    """The command that installs a compiler and is not undone in the same RUN (a later RUN is too late:
    the layer keeps it)."""
    removed = any(
        c.name in _REMOVERS and any(v in _REMOVERS[c.name] for v in _arguments(c)) for c in commands
    )
    if removed:
        return None
    for command in commands:
        verb = _INSTALLERS.get(command.name or "")
        words = _arguments(command)
        packages = [word for word in words if _is_toolchain_package(word)]
        if verb and verb in words and packages:
            return command, packages[0]
    return None


def _is_toolchain_package(word: str) -> bool:
    name = word.split("=", 1)[0].lower()
    return name in _TOOLCHAIN_PACKAGES or (name.startswith("openjdk-") and "-jdk" in name)


class _Evidence(Record):
    __slots__ = ("range", "text")
    range: TextRange
    text: str

    def __init__(self, range: TextRange, text: str) -> None:
        object.__setattr__(self, "range", range)
        object.__setattr__(self, "text", text)


class ToolchainInFinalStage(DockerfileRule):
    """The shipped image carries a compiler toolchain: built FROM a toolchain image, compiling in the final
    stage, or installing compilers that stay in its layers.

    Only applications are checked: an image whose command is a bare shell or interpreter (or that has none)
    is a base for others, where the toolchain is the point. Compilers installed and removed in the same RUN
    (the `apk add --virtual .build-deps ... && apk del .build-deps` pattern) do not count.

    `dockwise fix --multi-stage` (or `dockwise fix --unsafe-fixes`, as this rule's fix) makes the split for
    Go, Rust, Node.js, Python and Java builds: see docs/multi-stage.md. The finding's notes say what that
    rewrite could not prove, or why there is none for this file.

    ## Why is this bad?
    A Go, Rust or Java toolchain is hundreds of megabytes that the running service never uses, and every
    compiler, header and package manager in the image is attack surface and CVE noise. A multi-stage build
    compiles in a builder stage and copies only the result into a slim or distroless runtime: images shrink
    by an order of magnitude.

    ## Example
    ```dockerfile
    FROM golang:1.22
    WORKDIR /src
    COPY . .
    RUN go build -o /app .
    CMD ["/app"]
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS build
    WORKDIR /src
    COPY . .
    RUN CGO_ENABLED=0 go build -o /app .

    FROM gcr.io/distroless/static-debian12:nonroot
    COPY --from=build /app /app
    CMD ["/app"]
    ```
    """

    code = "DW151"
    name = "toolchain-in-final-stage"
    category = Category.MULTI_STAGE
    severity = Severity.WARNING
    aliases = ()
    checks_triggers = False
    checks_fragments = False
    fix_availability = FixAvailability.SOMETIMES
    fix_safety = (
        "Unsafe: the fix (also `dockwise fix --multi-stage`) names the stage `build` and adds a runtime "
        "stage "
        "FROM a distroless or slim base (configurable per ecosystem) that copies only the artefact: the "
        "binary, the pruned node_modules with the app, a virtualenv or the JAR. The shipped image loses its "
        "shell, package manager and every file the program may still read from the builder, and runs as a "
        "non-root user, so it changes behaviour; the finding's notes say what could not be proven. A "
        "single-stage file it cannot rewrite sensibly gets a note with the reason instead of a fix."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        final = context.final_stage
        if final is None or is_base_image(context.shipped_instructions()):
            return
        evidence = list(self._evidence(context, final))
        if not evidence:
            return
        strongest = evidence[-1]
        others = "; ".join(item.text for item in evidence[:-1])
        also = f" (also: {others})" if others else ""
        fix, notes = self._rewrite(context)
        yield context.diagnostic(
            self,
            strongest.range,
            f"the shipped image {strongest.text}{also}: build in a builder stage and copy only the result "
            "into a slim runtime stage",
            fix=fix,
            notes=notes,
        )

    @staticmethod
    def _rewrite(context: DockerfileContext) -> tuple[Fix | None, tuple[str, ...]]:
        """`fix --multi-stage`'s rewrite as the fix, with what it could not prove (or why there is none)."""
        if len(context.dockerfile.build.stages) != 1:
            return None, ()
        from dockwise.fix.multistage import rewrite

        options = context.options
        result = rewrite(context.dockerfile, dict(options.runtime_bases), options.context_dir)
        if result.status == "refused":
            return None, (f"no automatic multi-stage rewrite: {result.reason}",)
        return result.fix(), tuple(f"not proven: {note}" for note in result.notes)

    def _evidence(self, context: DockerfileContext, final: Stage) -> Iterator[_Evidence]:
        """Weakest first: a toolchain base, then compilers installed, then a compile step."""
        stages = final.lineage()
        root = stages[-1]
        base = _toolchain_base(root)
        if base is not None:
            yield _Evidence(root.from_instruction.range, f"is built FROM the toolchain image {base}")
        installs: list[_Evidence] = []
        builds: list[_Evidence] = []
        for instruction in context.shipped_instructions():
            if instruction.keyword != "RUN":
                continue
            commands = context.run_commands(instruction)
            installed = _installed_toolchain(commands)
            if installed is not None:
                command, package = installed
                installs.append(_Evidence(command.range, f"installs the compiler toolchain {package}"))
            builds.extend(self._builds(commands))
        yield from installs[:1]
        yield from builds[:1]

    @staticmethod
    def _builds(commands: tuple[ShellCommand, ...]) -> Iterator[_Evidence]:
        for command in commands:
            ecosystem = build_ecosystem(command)
            if ecosystem is not None:
                text = " ".join(word.text for word in command.words)
                yield _Evidence(command.range, f"compiles {ecosystem} code (`{text}`)")


class SerialIndependentBuilds(DockerfileRule):
    """One stage chain builds two ecosystems one after the other, where separate stages would build at
    the same time.

    ## Why is this bad?
    BuildKit runs independent stages in parallel, but the steps of one stage (and of a stage built FROM
    another) run in order. A frontend `npm ci && npm run build` followed by a `go build` in the same chain
    waits for one before starting the other, and a change to either invalidates the cache of everything
    after it. Separate stages, joined by `COPY --from`, build concurrently and cache independently.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS build
    RUN apt-get update && apt-get install -y nodejs npm
    COPY web/ web/
    RUN cd web && npm ci && npm run build
    COPY . .
    RUN go build -o /app .
    ```

    ## Use instead
    ```dockerfile
    FROM node:22 AS web
    COPY web/ web/
    RUN cd web && npm ci && npm run build

    FROM golang:1.22 AS build
    COPY . .
    RUN go build -o /app .
    COPY --from=web /web/dist /static
    ```
    """

    code = "DW152"
    name = "serial-independent-builds"
    category = Category.MULTI_STAGE
    severity = Severity.INFO
    aliases = ()
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.stages:
            first: tuple[str, Instruction] | None = None
            for ancestor in reversed(stage.lineage()[1:]):
                first = first or self._first_step(context, ancestor.instructions)
            for instruction in stage.instructions:
                for command, ecosystem in self._steps(context, instruction):
                    if first is None:
                        first = (ecosystem, instruction)
                    elif ecosystem != first[0]:
                        yield context.diagnostic(
                            self,
                            command.range,
                            f"this {ecosystem} build waits for the {first[0]} build on line "
                            f"{first[1].start_line}: give each its own stage so BuildKit runs them in "
                            "parallel, then COPY --from the results",
                        )
                        break
                else:
                    continue
                break

    def _first_step(
        self, context: DockerfileContext, instructions: tuple[Instruction, ...]
    ) -> tuple[str, Instruction] | None:
        for instruction in instructions:
            for _, ecosystem in self._steps(context, instruction):
                return ecosystem, instruction
        return None

    @staticmethod
    def _steps(context: DockerfileContext, instruction: Instruction) -> list[tuple[ShellCommand, str]]:
        if instruction.keyword != "RUN":
            return []
        found = []
        for command in context.run_commands(instruction):
            ecosystem = _step_ecosystem(command)
            if ecosystem is not None:
                found.append((command, ecosystem))
        return found


@command_fact
def _step_ecosystem(command: ShellCommand) -> str | None:
    """The ecosystem whose install or build the command is, C/C++ left out (native extensions build
    inside the other ecosystems' steps)."""
    ecosystem = install_ecosystem(command) or build_ecosystem(command)
    return None if ecosystem == "C/C++" else ecosystem
