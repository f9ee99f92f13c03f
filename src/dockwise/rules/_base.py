"""What a rule is: a self-describing class with a stable code and one `check` over a model.

Docs, `dockwise rules`, configuration and the fixture tests all read a rule's metadata from the class, and
`__init_subclass__` refuses a rule whose metadata is incomplete, so a bad rule fails at import, not in use.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from dockwise._compat import StrEnum
from dockwise.diagnostics import Category, Diagnostic, FileLocation, Fix, Location, Severity, TextRange
from dockwise.dockerfile.build import Stage
from dockwise.dockerfile.tree import Dockerfile, Instruction
from dockwise.record import Record

if TYPE_CHECKING:
    from dockwise.dockerfile.shell import ShellCommand, ShellPipeline

_CODE = re.compile(r"DW\d{3}")
_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_REQUIRED_SECTIONS = ("## Why is this bad?", "## Example", "## Use instead")
#: How a rule's `fix_safety` note starts: all its fixes safe, all unsafe, or some of each.
FIX_SAFETY_KINDS = ("Safe:", "Unsafe:", "Mixed:")


class FixAvailability(StrEnum):
    """Whether a rule offers fixes: never, for every finding, or for some."""

    NONE = "none"
    ALWAYS = "always"
    SOMETIMES = "sometimes"


#: A final command that is only an interpreter, shell or build tool marks an image meant to be built upon or
#: run as a tool (`CMD ["python3"]`, `CMD ["mvn"]`, `ENTRYPOINT ["make"]`), not a service.
_INTERACTIVE_COMMANDS = frozenset(
    {
        "bash", "sh", "ash", "zsh", "python", "python2", "python3", "pypy", "pypy3", "node", "ruby", "irb",
        "php", "php-fpm", "perl", "jshell", "ghci", "erl", "iex", "julia", "r", "pwsh", "powershell", "cmd",
        "groovysh", "clojure", "swift", "rustc", "go", "dotnet", "mono", "elixir", "haskell", "ghc", "deno",
        "mvn", "gradle", "make", "cargo", "gcc", "javac", "ant", "sbt", "lein", "bazel", "cmake",
    }
)  # fmt: skip


def is_base_image(instructions: list[Instruction]) -> bool:
    """Whether the image is a base to build upon or a tool: no command of its own, or a bare interpreter,
    shell or build tool (`CMD ["python3"]`, `CMD ["php", "-a"]`, `ENTRYPOINT ["make"]`)."""
    commands = [i for i in instructions if i.keyword in ("CMD", "ENTRYPOINT")]
    if not commands:
        return True
    last = commands[-1]
    if all(i.keyword == "ENTRYPOINT" for i in commands) and last.arguments:
        # Only a wrapper such as docker-entrypoint.sh: the command itself comes from images built on this.
        if "entrypoint" in last.arguments[0].lower():
            return True
    elif last.keyword != "CMD" or not last.arguments:
        return False
    words = last.arguments if last.is_exec_form else tuple(last.arguments[0].split())
    if not words or any(not word.startswith("-") for word in words[1:]):
        return False
    program = words[0].strip().rsplit("/", 1)[-1].lower()
    return program in _INTERACTIVE_COMMANDS or program.rstrip("0123456789.") in _INTERACTIVE_COMMANDS


_REGISTRY: dict[str, type[Rule]] = {}
_SUBCODES: dict[str, type[Rule]] = {}
"""Rules by the prefix of the other tool's codes they report (`SC`)."""


class Rule:
    """Base of all rules. Subclasses set the class attributes and implement a model-specific `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[Category]
    severity: ClassVar[Severity]
    aliases: ClassVar[tuple[str, ...]] = ()
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NONE
    fix_safety: ClassVar[str] = ""
    """For a rule that offers fixes: why each fix keeps behaviour (applied by `dockwise fix`) or changes it
    (applied only with `--unsafe-fixes`). It starts with "Safe:", "Unsafe:" or "Mixed:" (which fixes are
    which), is rendered into the rule's docs page, and a test holds every fix the rule makes to it."""
    default_enabled: ClassVar[bool] = True
    """False for opt-in rules (a matter of policy, such as pinning apt versions): they run only when a
    selection or a severity override names them."""
    abstract: ClassVar[bool] = False
    subcode_prefix: ClassVar[str | None] = None
    """For a rule that reports another tool's codes (ShellCheck's `SC2086`): their prefix. Its findings
    carry those codes, and selectors and pragmas can name one code (`SC2086`) or the rule (`SC`)."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):
            return
        _validate(cls)
        if cls.code in _REGISTRY:
            raise TypeError(
                f"rule code {cls.code} is used by {_REGISTRY[cls.code].__name__} and {cls.__name__}"
            )
        _REGISTRY[cls.code] = cls
        if cls.subcode_prefix:
            _SUBCODES[cls.subcode_prefix] = cls

    @classmethod
    def summary(cls) -> str:
        """The first line of the docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0]

    @classmethod
    def documentation(cls) -> str:
        """The docstring without its indentation."""
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")


def _validate(cls: type[Rule]) -> None:
    for attribute in ("code", "name", "category", "severity"):
        if not hasattr(cls, attribute):
            raise TypeError(f"rule {cls.__name__} does not set {attribute}")
    if not _CODE.fullmatch(cls.code):
        raise TypeError(f"rule {cls.__name__}: code {cls.code!r} does not match DW + three digits")
    if not _NAME.fullmatch(cls.name):
        raise TypeError(f"rule {cls.__name__}: name {cls.name!r} is not kebab-case")
    if not isinstance(cls.category, Category) or not isinstance(cls.severity, Severity):
        raise TypeError(f"rule {cls.__name__}: category and severity must be a Category and a Severity")
    doc = cls.__doc__ or ""
    missing = [section for section in _REQUIRED_SECTIONS if section not in doc]
    if missing:
        raise TypeError(f"rule {cls.__name__}: docstring lacks {', '.join(missing)}")
    if cls.fix_availability is not FixAvailability.NONE and not cls.fix_safety.startswith(FIX_SAFETY_KINDS):
        raise TypeError(f"rule {cls.__name__}: a fixable rule says why its fixes are safe (fix_safety)")


def loaded_rules() -> list[type[Rule]]:
    """The rules of the families imported so far, ordered by code (see `dockwise.rules`)."""
    return [rule for _, rule in sorted(_REGISTRY.items())]


def loaded_rule(code: str) -> type[Rule] | None:
    """The rule with this code (or that reports this other tool's code), if its family is imported."""
    found = _REGISTRY.get(code)
    if found is None and code[:1].isalpha():
        prefix = code.rstrip("0123456789")
        if prefix != code:
            return _SUBCODES.get(prefix)
    return found


def make_diagnostic(
    rule: type[Rule] | Rule,
    path: str,
    range_: TextRange,
    message: str,
    *,
    fix: Fix | None = None,
    notes: tuple[str, ...] = (),
    subject: str | None = None,
) -> Diagnostic:
    """A diagnostic of `rule` at a span of a file, with the rule's metadata filled in."""
    return rule_diagnostic(rule, FileLocation(path, range_), message, fix=fix, notes=notes, subject=subject)


def rule_diagnostic(
    rule: type[Rule] | Rule,
    location: Location,
    message: str,
    *,
    fix: Fix | None = None,
    notes: tuple[str, ...] = (),
    subject: str | None = None,
) -> Diagnostic:
    """A diagnostic of `rule` at any location (a file span, an image layer), with its metadata filled in."""
    return Diagnostic(
        code=rule.code,
        rule=rule.name,
        category=rule.category,
        severity=rule.severity,
        message=message,
        location=location,
        fix=fix,
        aliases=rule.aliases,
        notes=notes,
        subject=subject,
    )


class RuleOptions(Record):
    """The project settings that some rules read (the rest of the settings only filter their output)."""

    __slots__ = (
        "buildkit_check",
        "context_dir",
        "package_cache",
        "required_labels",
        "runtime_bases",
        "shellcheck_path",
        "strict_labels",
        "trusted_registries",
    )
    trusted_registries: tuple[str, ...]
    required_labels: tuple[tuple[str, str], ...]
    """Label name and value type, as `Settings.required_labels`."""
    strict_labels: bool
    context_dir: Path | None
    """The build context (the Dockerfile's directory), for `.dockerignore`; None for standard input."""
    buildkit_check: str | None
    """`Settings.buildkit_check`: read where pragmas are, after the rules ran."""
    package_cache: str
    """`Settings.package_cache`: "remove", "mount" or "auto", which fix the package-cache rules offer."""
    shellcheck_path: str | None
    """The ShellCheck executable to run (None: the one installed with dockwise, else on PATH)."""
    runtime_bases: tuple[tuple[str, str], ...]
    """`Settings.runtime_bases`: the images DW151's multi-stage rewrite uses for its runtime stage."""

    def __init__(
        self,
        trusted_registries: tuple[str, ...] = (),
        required_labels: tuple[tuple[str, str], ...] = (),
        strict_labels: bool = False,
        context_dir: Path | None = None,
        buildkit_check: str | None = None,
        package_cache: str = "remove",
        shellcheck_path: str | None = None,
        runtime_bases: tuple[tuple[str, str], ...] = (),
    ) -> None:
        object.__setattr__(self, "trusted_registries", trusted_registries)
        object.__setattr__(self, "required_labels", required_labels)
        object.__setattr__(self, "strict_labels", strict_labels)
        object.__setattr__(self, "context_dir", context_dir)
        object.__setattr__(self, "buildkit_check", buildkit_check)
        object.__setattr__(self, "package_cache", package_cache)
        object.__setattr__(self, "shellcheck_path", shellcheck_path)
        object.__setattr__(self, "runtime_bases", runtime_bases)


_RunAnalysis = tuple[Instruction, tuple["ShellCommand", ...], tuple["ShellPipeline", ...]]


class DockerfileContext(Record):
    """What a Dockerfile rule sees: the parsed file, the options, and a helper to make diagnostics."""

    __slots__ = ("_commands", "_runs", "_shell_analysis", "_shells", "dockerfile", "options", "path")
    path: str
    dockerfile: Dockerfile
    options: RuleOptions
    _shell_analysis: dict[int, _RunAnalysis]
    """Each RUN's commands and pipelines by `id(instruction)`: many rules read them, so locate them once
    (the instruction is kept in the value so that its id cannot be reused)."""
    _shells: dict[int, tuple[list[int], list[tuple[str, ...]]]]
    """By stage index: the SHELL instructions of the stage and of the stages it is built FROM, as their
    instruction indexes (ascending) and arguments. Rescanning the lineage for every RUN made lint quadratic
    in the number of RUNs (a 1 MB file of them took minutes)."""
    _commands: dict[bool, tuple[tuple[Instruction, ShellCommand], ...]]
    """`run_commands_of_file`'s answers, by `shipped_only`."""
    _runs: tuple[Instruction, ...] | None
    """`runs()`'s answer, once asked."""

    def __init__(
        self,
        path: str,
        dockerfile: Dockerfile,
        options: RuleOptions = RuleOptions(),  # noqa: B008 - a frozen value, shared safely
    ) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "dockerfile", dockerfile)
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "_shell_analysis", {})
        object.__setattr__(self, "_shells", {})
        object.__setattr__(self, "_commands", {})
        object.__setattr__(self, "_runs", None)

    @property
    def final_stage(self) -> Stage | None:
        """The stage that becomes the image (the last one: `--target` selection comes with configuration)."""
        return self.dockerfile.build.target_stage()

    def shipped_instructions(self) -> list[Instruction]:
        """The instructions that shape the shipped image: the final stage and the stages it is built FROM.

        Rules about the runtime image (USER, CMD, HEALTHCHECK) read these; builder stages may run as root
        and carry tools.
        """
        return [i for stage in reversed(self.shipped_stages()) for i in stage.instructions]

    def shipped_stages(self) -> list[Stage]:
        """The final stage and the stages it is built FROM (what ends up in the image's layers)."""
        final = self.final_stage
        return final.lineage() if final is not None else []

    def shell_for(self, instruction: Instruction) -> tuple[str, ...]:
        """The SHELL a RUN runs under: the last one before it in its stage or the stages it is built FROM.

        Base stages always come earlier in the file, so "before it" is a plain index comparison.
        """
        stage = self.dockerfile.build.stage_of(instruction)
        if stage is None:
            return ("/bin/sh", "-c")
        shells = self._shells.get(stage.index)
        if shells is None:
            found = [
                (candidate.index, candidate.arguments)
                for each in stage.lineage()
                for candidate in each.instructions
                if candidate.keyword == "SHELL" and candidate.is_exec_form and candidate.arguments
            ]
            found.sort(key=lambda pair: pair[0])
            shells = ([index for index, _ in found], [arguments for _, arguments in found])
            self._shells[stage.index] = shells
        position = bisect_left(shells[0], instruction.index)
        return shells[1][position - 1] if position else ("/bin/sh", "-c")

    def runs(self) -> tuple[Instruction, ...]:
        """The file's RUN instructions, in order: the rules that read commands walk only these."""
        found = self._runs
        if found is None:
            found = tuple(i for i in self.dockerfile.instructions if i.keyword == "RUN")
            object.__setattr__(self, "_runs", found)
        return found

    def run_commands_of_file(self, shipped_only: bool) -> tuple[tuple[Instruction, ShellCommand], ...]:
        """Every command of every RUN with its instruction, in order; only the shipped stages' with
        `shipped_only`. Listed once a lint: a score of package rules walk them all."""
        found = self._commands.get(shipped_only)
        if found is None:
            instructions = self.shipped_instructions() if shipped_only else self.dockerfile.instructions
            found = tuple(
                (instruction, command)
                for instruction in instructions
                if instruction.keyword == "RUN"
                for command in self.run_commands(instruction)
            )
            self._commands[shipped_only] = found
        return found

    def run_commands(self, instruction: Instruction) -> tuple[ShellCommand, ...]:
        """The commands a RUN runs (empty for other instructions or a non-POSIX SHELL)."""
        # Rules ask this of every instruction, thousands of times a lint: one dictionary lookup when known.
        found = self._shell_analysis.get(id(instruction))
        return (found or self._analyse(instruction))[1]

    def run_pipelines(self, instruction: Instruction) -> tuple[ShellPipeline, ...]:
        """The pipelines a RUN runs, in order (empty for other instructions or a non-POSIX SHELL)."""
        found = self._shell_analysis.get(id(instruction))
        return (found or self._analyse(instruction))[2]

    def _analyse(self, instruction: Instruction) -> _RunAnalysis:
        """Analysed once per instruction (other instructions too: remembered as running nothing). The
        instruction is kept in the entry so its id cannot be reused by another object while it is there."""
        if instruction.keyword != "RUN":
            found: _RunAnalysis = (instruction, (), ())
        else:
            from dockwise.dockerfile.shell import analyse_run

            found = (instruction, *analyse_run(instruction, self.shell_for(instruction)))
        self._shell_analysis[id(instruction)] = found
        return found

    def diagnostic(
        self,
        rule: type[Rule] | Rule,
        range_: TextRange,
        message: str,
        *,
        fix: Fix | None = None,
        notes: tuple[str, ...] = (),
    ) -> Diagnostic:
        return make_diagnostic(rule, self.path, range_, message, fix=fix, notes=notes)


class DockerfileRule(Rule):
    """A rule over one parsed Dockerfile."""

    abstract = True
    checks_triggers: ClassVar[bool] = True
    """Whether the rule also reads ONBUILD triggers, as the instructions they become in a child build (see
    `dockwise.lint`). False for rules about a stage as a whole (its last USER, its labels, consecutive
    RUNs): a trigger runs at the start of someone else's stage, so it is not this stage's own."""
    checks_fragments: ClassVar[bool] = True
    """Whether the rule reads a template or partial without FROM (`Dockerfile.template`, `base.part`: linted
    as the body of a stage on an unknown base). False for rules that conclude from what a stage lacks (no
    USER, no WORKDIR, an undefined variable): the rest of the Dockerfile it goes into may well have it. A
    file named as a whole Dockerfile has nothing elsewhere, so every rule reads it (besides DW002)."""
    prepares: ClassVar[bool] = False
    """True for a rule whose `prepare` starts work ahead (ShellCheck's process) for several files."""

    def prepare(self, contexts: Sequence[DockerfileContext]) -> None:
        """Called with every file of a batch before `check` sees any of them (when `prepares`)."""

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        raise NotImplementedError
