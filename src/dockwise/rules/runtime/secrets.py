"""Secrets written into runtime configuration, in every spelling: `KEY: value`, `- KEY=value`, `-e KEY=v`,
a connection URL with a password under any name, a `${VAR:-default}` that ships one, `build.args`, and a
password on a health check's command line. Findings name the variable, never the value, and point at
the name only (the text report cuts the source line there)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from dockwise.diagnostics import Category, Diagnostic, Severity, TextRange
from dockwise.rules._base import make_diagnostic
from dockwise.rules.runtime._base import RunSpecContext, RunSpecRule
from dockwise.runspec.model import RunSpec

#: Values that stand for a secret without being one (placeholders, booleans, ports, file names).
_PLACEHOLDERS = frozenset(
    {"true", "false", "yes", "no", "none", "null", "changeme", "change-me", "change_me", "changeit",
     "replaceme", "replace-me", "replace_me", "todo", "placeholder", "redacted", "secret", "password",
     "example", "xxx", "..."}
)  # fmt: skip


#: Defaults that switch a feature off rather than ship a secret (`${API_KEY:-invalid}`).
_SENTINELS = frozenset({"invalid", "disabled", "none", "null", "unset", "empty", "false", "0", "-"})


def placeholder(value: str) -> bool:
    """A value that only stands for a secret: a placeholder word, `<...>`, `your-...`, a run of one
    character (`xxxx`, `****`), a small number, a file path."""
    text = value.strip().strip("'\"")
    lowered = text.lower()
    return (
        not text
        or lowered in _PLACEHOLDERS
        or (text.startswith("<") and text.endswith(">"))
        or lowered.startswith(("your", "my-", "my_", "/", "./", "~/"))
        or len(set(lowered)) == 1
        or (text.isdigit() and len(text) <= 5)
    )


def url_password(text: str) -> str | None:
    """The password of a URL in `text` (`postgres://user:pw@db/app`, `redis://:pw@cache`), else None."""
    scheme_end = text.find("://")
    if scheme_end <= 0:
        return None
    authority = text[scheme_end + 3 :].split("/", 1)[0]
    userinfo, at, _ = authority.rpartition("@")
    if not at:
        return None
    _, colon, password = userinfo.partition(":")
    return password if colon and password else None


def secret_name(name: str) -> bool:
    from dockwise.rules.runtime.lifecycle import secret_like

    return secret_like(name, "value")


def written_problem(name: str, written: str) -> str | None:
    """What is wrong with the variable `name` written as `written` (before interpolation), or None."""
    from dockwise.runspec.interpolation import references

    for reference in references(written):
        if (
            reference.operator in (":-", "-")
            and reference.word
            and "$" not in reference.word
            and reference.word.strip().lower() not in _SENTINELS
            and (secret_name(name) or secret_name(reference.name))
        ):
            return (
                f", which falls back to a secret written in the file when ${{{reference.name}}} is "
                f"unset: require it with ${{{reference.name}:?{reference.name} must be set}}"
            )
    password = url_password(written)
    if password is not None and "$" not in password and not placeholder(password):
        return ", a URL with a password in plain text: pass the password as a secret"
    if "$" not in written and secret_name(name) and not placeholder(written):
        return " in plain text: use a secret"
    return None


def written_values(
    spec: RunSpec, section: tuple[str, ...], values: Mapping[str, str | None]
) -> Iterator[tuple[str, str]]:
    """(name, value as written) of each variable of `environment` or `build.args`: the raw string where
    Compose interpolated one, else the value."""
    raw_mapping: dict[str, str] = {}
    raw_list: dict[str, str] = {}
    for string in spec.raw:
        if string.key[: len(section)] != section:
            continue
        if len(string.key) == len(section) + 1:
            raw_mapping[string.key[-1]] = string.text
        elif len(string.key) == len(section):
            item_name, equals, rest = string.text.partition("=")
            if equals:
                raw_list[item_name.strip()] = rest
    for name, value in values.items():
        if value is None:
            continue
        yield name, raw_mapping.get(name, raw_list.get(name, value))


def name_range(context: RunSpecContext, field_name: str, name: str) -> TextRange:
    """Where `name` is written in the block of `field_name` (else the block's key): a finding points at
    the variable's name, not its value."""
    block = context.spec.location(field_name)
    text = context.text_of(field_name)
    found = text.find(name, block.start, block.start + 200_000)
    for _ in range(50):
        if found < 0:
            break
        line_start = text.rfind("\n", 0, found) + 1
        before = text[line_start:found].strip().removeprefix("-").strip().strip("\"'")
        after = text[found + len(name) : found + len(name) + 1]
        loose = context.spec.origin == "docker run" and text[found - 1 : found] in (" ", "=", '"', "'")
        flow = before.endswith(("{", ",", "["))  # `environment: {A: x, B: y}`
        if (not before or loose or flow) and after in (":", "=", '"', "'"):
            return TextRange(found, found + len(name))
        found = text.find(name, found + len(name), block.start + 200_000)
    # written elsewhere (an anchor's mapping): the block's key alone, so that no value is shown
    key_end = next((i for i in range(block.start, block.end) if text[i] in ":= "), block.end)
    return TextRange(block.start, key_end)


def secret_findings(
    rule: RunSpecRule, context: RunSpecContext, field_name: str, section: tuple[str, ...], what: str
) -> Iterator[Diagnostic]:
    spec = context.spec
    values = spec.environment if field_name == "environment" else spec.build_args
    for name, written in written_values(spec, section, values):
        problem = written_problem(name, written)
        if problem is not None:
            where = name_range(context, field_name, name)
            message = f"{spec.name} {what} {name}{problem}"
            yield make_diagnostic(rule, spec.file_of(field_name), where, message, subject=context.subject)


class SecretInBuildArg(RunSpecRule):
    """A secret in Compose `build.args`: a password, token or key as a literal, a URL with a password, or
    a `${VAR:-default}` that ships one.

    ## Why is this bad?
    A build argument is kept in the image's history (`docker history --no-trunc` shows it to anyone
    who pulls the image) and in the build cache, besides the repository.

    ## Example
    ```yaml
    services:
      api:
        build:
          context: .
          args:
            NPM_TOKEN: npm_0123456789abcdef
    ```

    ## Use instead
    ```yaml
    services:
      api:
        build:
          context: .
          secrets: [npm_token]   # RUN --mount=type=secret,id=npm_token in the Dockerfile
    secrets:
      npm_token: {environment: NPM_TOKEN}
    ```
    """

    code = "DW760"
    name = "secret-in-build-arg"
    category = Category.SECRETS_IN_BUILD
    severity = Severity.WARNING

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        if context.spec.build_args:
            yield from secret_findings(self, context, "build_args", ("build", "args"), "passes the build arg")


class PasswordInHealthcheck(RunSpecRule):
    """A password written on a health check's command line (`mysqladmin ping -pS3cret`,
    `--password=...`, `redis-cli -a ...`, `PGPASSWORD=... psql`, `curl -u user:pw`, a URL with a password).

    ## Why is this bad?
    The health check's command is in the repository, in `docker inspect` and in the process list of
    the container every few seconds; it also drifts from the password the service really uses.

    ## Example
    ```yaml
    services:
      db:
        image: mariadb:11
        healthcheck:
          test: mariadb-admin ping -uroot -pS3cretPass
    ```

    ## Use instead
    ```yaml
    services:
      db:
        image: mariadb:11
        healthcheck:
          test: mariadb-admin ping -uroot -p"$$MARIADB_ROOT_PASSWORD"
    ```
    """

    code = "DW761"
    name = "password-in-healthcheck"
    category = Category.SECRETS_IN_IMAGE
    severity = Severity.WARNING

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        health = context.spec.healthcheck
        if health is None or health.disabled or len(health.test) < 2:
            return
        words = _test_words(health.test)
        text = context.text_of("healthcheck")
        for flag, password in _passwords(words):
            if "$" in password or placeholder(password) or password not in text:
                continue  # a variable, a placeholder, or a value that came from interpolation
            block = context.spec.location("healthcheck")
            key = TextRange(block.start, min(block.end, block.start + len("healthcheck")))
            message = (
                f"{context.spec.name}'s health check passes a password in plain text ({flag}): read it "
                f"from the container's environment ($$VAR) or a secret file"
            )
            path = context.spec.file_of("healthcheck")
            yield make_diagnostic(self, path, key, message, subject=context.subject)
            return


def _test_words(test: tuple[str, ...]) -> list[str]:
    from dockwise.runspec import shellwords

    if test[0] != "CMD-SHELL":
        return list(test[1:])
    try:
        return shellwords.split(" ".join(test[1:]))
    except ValueError:
        return " ".join(test[1:]).split()


_MYSQL_CLIENTS = ("mysql", "mysqladmin", "mariadb", "mariadb-admin", "mysqlshow", "mysqlcheck")
_PASSWORD_VARIABLES = ("PGPASSWORD=", "MYSQL_PWD=", "REDISCLI_AUTH=", "MONGO_PASSWORD=")


def _passwords(words: list[str]) -> Iterator[tuple[str, str]]:
    """(how it is passed, password) for every password on a command line."""
    program = ""
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        base = word.rsplit("/", 1)[-1]
        if base in _MYSQL_CLIENTS or base in ("redis-cli", "curl", "wget", "mongosh", "mongo"):
            program = base
        if word.startswith((*_PASSWORD_VARIABLES, "--password=", "--pass=")):
            name, _, value = word.partition("=")
            yield name, value
        elif program in _MYSQL_CLIENTS and word.startswith("-p") and len(word) > 2:
            yield "-p", word[2:]
        elif following and (
            (program == "redis-cli" and word in ("-a", "--pass"))
            or (program in ("mongosh", "mongo") and word in ("-p", "--password"))
        ):
            yield word, following
        elif program == "curl" and word in ("-u", "--user") and ":" in following:
            yield word, following.split(":", 1)[1]
        else:
            password = url_password(word)
            if password is not None:
                yield "a URL", password
