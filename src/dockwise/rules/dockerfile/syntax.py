"""Rules of the `syntax` category: what BuildKit rejects or would misread before any build step runs."""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity, TextRange
from dockwise.errors import DockerfileSyntaxError
from dockwise.rules._base import DockerfileContext, DockerfileRule, make_diagnostic


class InvalidSyntax(DockerfileRule):
    """The Dockerfile cannot be parsed.

    Reported by the linter itself when the parser fails; no other rule runs on such a file.

    ## Why is this bad?
    BuildKit refuses the file before building anything: an unterminated heredoc, a JSON array with
    non-string items, `ENV` without a value or an unknown instruction stop the build.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    RUN <<EOF
    apk add curl
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN <<EOF
    apk add curl
    EOF
    ```
    """

    code = "DW001"
    name = "invalid-syntax"
    category = Category.SYNTAX
    severity = Severity.ERROR

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        return iter(())

    @classmethod
    def from_error(cls, path: str, text: str, error: DockerfileSyntaxError) -> Diagnostic:
        """A diagnostic for a parse error, located at the line and column the error names."""
        offset = _offset_of(text, error.line, error.column)
        return make_diagnostic(cls, path, TextRange(offset, offset), error.message)


class InvalidBuildInstruction(DockerfileRule):
    """An instruction BuildKit parses but refuses to build.

    A file with instructions but no FROM at all is reported once, and only when its name says it is a
    whole Dockerfile (`Dockerfile`, `Containerfile`, `api.Dockerfile`, `Dockerfile.dev`, standard input).
    A template or partial that a build script completes (a name with a word such as `template`, `tmpl`,
    `j2`, `part`, `partial`, `snippet` or `inc`: `Dockerfile.template`, `Dockerfile-tmpl`; `Dockerfile.in`;
    or any name that is not a Dockerfile's) is no error: its instructions are
    linted as the body of a stage on an unknown base, and the first finding's note says so. Either way
    every other rule reads the instructions, except in templates and partials the rules that conclude from
    what the stage lacks (no USER, no WORKDIR, an undefined variable), which the rest of the file may have.

    ## Why is this bad?
    The parser accepts these lines, but the build fails on them: an unknown flag (`--netwrk`), a boolean
    flag with another value, an instruction other than ARG before the first FROM, `FROM` with two words,
    an invalid or duplicate stage name, or a `COPY --from` that makes stages depend on each other in a
    cycle (a stage copying from itself included). A `COPY --from` naming a later stage is no error:
    BuildKit resolves stage names across the whole file.

    ## Example
    ```dockerfile
    RUN echo before any stage
    FROM alpine:3.20 AS Build Stage
    COPY --link=yes app /app
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS build
    RUN echo inside a stage
    COPY --link app /app
    ```
    """

    code = "DW002"
    name = "invalid-build-instruction"
    category = Category.SYNTAX
    severity = Severity.ERROR

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for problem in context.dockerfile.build.problems:
            yield context.diagnostic(self, problem.instruction.range, problem.message)


def _offset_of(text: str, line: int, column: int) -> int:
    """The offset of a 1-based line and column (clamped to the text)."""
    offset = 0
    for _ in range(line - 1):
        newline = text.find("\n", offset)
        if newline == -1:
            return len(text)
        offset = newline + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end == -1 else line_end
    return min(offset + column - 1, line_end)
