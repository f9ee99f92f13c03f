"""What Compose refuses or reads otherwise than its author meant: names used but never declared, shell
syntax in a command Compose splits into words itself, and `$VAR` it replaces before the container runs."""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules._base import make_diagnostic
from dockwise.rules.runtime._base import RunSpecContext, RunSpecRule
from dockwise.runspec.model import RawString, RunSpec


class UndeclaredResource(RunSpecRule):
    """A named volume, network, secret or config that a service uses and the top level does not declare.

    Compose refuses the project (`service "api" refers to undefined volume data`), also for a resource
    that exists outside the project: declare it with `external: true`. Checked on the project as Compose
    merges it, for the kinds the project declares at the top level: a file that declares no networks
    (or volumes ...) at all is usually a fragment combined with `-f base.yaml -f this.yaml`, and a project
    that `include`s files is not checked until they are read too.

    ## Why is this bad?
    `docker compose up` stops before creating anything; often the top-level entry was lost when a file
    was split or an overlay was edited.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:17
        volumes: [pgdata:/var/lib/postgresql/data]
    ```

    ## Use instead
    ```yaml
    services:
      db:
        image: postgres:17
        volumes: [pgdata:/var/lib/postgresql/data]
    volumes:
      pgdata:
    ```
    """

    code = "DW705"
    name = "undeclared-resource"
    category = Category.SYNTAX
    severity = Severity.ERROR

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        declared = context.declared
        spec = context.spec
        if declared is None or spec.origin != "compose":
            return
        used = (
            ("networks", "network", [n for n in spec.networks if n != "default"]),
            ("volumes", "volume", [v.source for v in spec.volumes if _named_volume(v.type, v.source)]),
            ("secrets", "secret", list(spec.secrets)),
            ("build_secrets", "build secret", list(spec.build_secrets)),
            ("configs", "config", list(spec.configs)),
        )
        for field_name, kind, names in used:
            top = field_name.removeprefix("build_")
            if top not in declared:
                continue  # the project declares none: a fragment meant for `-f base -f this`, likely
            known = declared[top]
            for name in dict.fromkeys(names):
                if name and name not in known:
                    yield context.diagnostic(
                        self,
                        field_name,
                        f"{spec.name} uses the {kind} {name!r}, which the top-level `{top}` does not "
                        f"declare: Compose refuses the project (declare it, with `external: true` if it "
                        f"exists outside the project)",
                    )


def _named_volume(kind: str, source: str | None) -> bool:
    """A `volume` mount with a name (not anonymous, not a Windows drive Compose reads as a path)."""
    if kind != "volume" or not source:
        return False
    return not (len(source) == 1 and source.isalpha()) and "\\" not in source


#: Words a shell reads as operators; Compose passes them to the program as arguments.
_OPERATORS = frozenset({"&&", "||", "|", "&", ";", ">", ">>", "<", "2>&1", "&>", "2>", ">&2", "1>&2"})
_REDIRECTION_PREFIXES = (">/", "2>/", ">>/", "&>/", "1>/")


def _shell_word(word: str) -> bool:
    """An operator or redirection standing as a word of its own (`'daemon off;'` was quoted: one argument)."""
    if any(blank in word for blank in " \t\n"):
        return False
    return (
        word in _OPERATORS or word.startswith(_REDIRECTION_PREFIXES) or (len(word) > 1 and word.endswith(";"))
    )


class ShellSyntaxInSplitCommand(RunSpecRule):
    """`command:` or `entrypoint:` written as one string with `&&`, `|`, `;` or a redirection.

    Compose splits the string into words itself and runs no shell: `a && b` runs `a` with the arguments
    `&&` and `b`. The same holds for these words in the list form, and for a `CMD` health check.

    ## Why is this bad?
    Only the first command runs, with surprising arguments; the rest of the line is silently lost
    (unless the image's entrypoint runs its arguments through a shell).

    ## Example
    ```yaml
    services:
      api:
        image: example/api:1.4
        command: ./migrate && ./serve > /var/log/api.log
    ```

    ## Use instead
    ```yaml
    services:
      api:
        image: example/api:1.4
        command: ["sh", "-c", "./migrate && exec ./serve > /var/log/api.log"]
    ```
    """

    code = "DW706"
    name = "shell-syntax-in-split-command"
    category = Category.SYNTAX
    severity = Severity.ERROR

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        if spec.origin != "compose":
            return
        for key in ("entrypoint", "command"):
            words = getattr(spec, key)
            if not isinstance(words, tuple):
                continue
            operators = [w for w in words if _shell_word(w)]
            if key not in spec.string_form:
                operators = [w for w in operators if w in ("&&", "||")]  # a list may pass "|" on purpose
            if operators:
                # a command goes to the entrypoint, which may be a shell; an entrypoint is run as it is
                hedge = " (unless the image's entrypoint runs it through a shell)" if key == "command" else ""
                yield context.diagnostic(
                    self,
                    key,
                    f"Compose splits `{key}` into words and runs no shell, so `{operators[0]}` is passed "
                    f'as an argument{hedge}: write ["sh", "-c", "..."] or one program\'s arguments',
                )
        health = spec.healthcheck
        if health is not None and health.test[:1] == ("CMD",):
            operators = [w for w in health.test[1:] if w in ("&&", "||", "|")]
            if operators:
                yield context.diagnostic(
                    self,
                    "healthcheck",
                    f'a "CMD" health check runs no shell, so `{operators[0]}` is passed as an argument: '
                    f'use "CMD-SHELL"',
                )


#: Where a `$VAR` is meant for the container's shell (Compose itself reads the others).
_RUN_TIME_KEYS = frozenset({("command",), ("entrypoint",), ("healthcheck", "test")})


class VariableInterpolatedAtLoad(RunSpecRule):
    """`$VAR` in a command or health check for the container's variable, which Compose replaces itself.

    Compose interpolates every `$VAR` of the file when it loads it, from the shell and `.env`; the
    container never sees it. Reported when the variable is set in the service's own `environment` and
    not in the project's `.env`: the author meant the container's value, which needs `$$VAR`.

    ## Why is this bad?
    The command gets an empty string (Compose warns "variable is not set" among its output) or the
    value of a variable of the same name in the deploying shell: `pg_isready -U $POSTGRES_USER` checks
    a user that does not exist, and the health check fails or passes for the wrong reason.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:17
        environment:
          POSTGRES_USER: shop
        healthcheck:
          test: pg_isready -U $POSTGRES_USER
    ```

    ## Use instead
    ```yaml
    services:
      db:
        image: postgres:17
        environment:
          POSTGRES_USER: shop
        healthcheck:
          test: pg_isready -U $$POSTGRES_USER
    ```
    """

    code = "DW707"
    name = "variable-interpolated-at-load"
    category = Category.SYNTAX
    severity = Severity.ERROR

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        if spec.origin != "compose" or not spec.raw or not spec.environment:
            return
        follows = _self_references(spec)
        for string in spec.raw:
            if string.key not in _RUN_TIME_KEYS:
                continue
            for name in _interpolated_names(string):
                if spec.environment.get(name) is None or name in context.dotenv or name in follows:
                    continue
                where = " ".join(string.key)
                yield make_diagnostic(
                    self,
                    string.path,
                    string.range,
                    f"Compose replaces ${name} in `{where}` with its own shell's value when it loads "
                    f"the file (.env does not set it), not with the {name} of the service's environment: "
                    f"write $${name}",
                    subject=context.subject,
                )
                break


def _interpolated_names(string: RawString) -> list[str]:
    from dockwise.runspec.interpolation import references

    return [r.name for r in references(string.text) if r.operator == ""]


def _self_references(spec: RunSpec) -> set[str]:
    """Variables whose `environment` value is itself interpolated from the same name (`X: ${X}`): Compose
    gives the command the same value the container gets (as for `- X` without a value, skipped by the
    caller)."""
    from dockwise.runspec.interpolation import references

    follows: set[str] = set()
    for string in spec.raw:
        if string.key[:1] != ("environment",):
            continue
        name = string.key[1] if len(string.key) > 1 else string.text.partition("=")[0].strip()
        if any(r.name == name for r in references(string.text)):
            follows.add(name)
    return follows
