"""The exceptions dockwise lets reach a user, each carrying a message a person understands.

Everything a user can cause (a bad file, a bad flag, an unreadable path) is a `DockwiseError`; the CLI turns
it into one line on stderr and exit status 2. Any other exception is a bug in dockwise.
"""

from __future__ import annotations


class DockwiseError(Exception):
    """Base of every error dockwise reports to a user instead of a traceback."""


class InputError(DockwiseError):
    """A file or path given by the user cannot be read or decoded."""


class DockerfileSyntaxError(DockwiseError):
    """A Dockerfile that BuildKit's parser would reject.

    `line` and `column` are 1-based and point at the place BuildKit would blame (for an instruction-level
    error, the start of that instruction); `end_line` is the last line of the offending instruction.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int = 1,
        column: int = 1,
        end_line: int | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.end_line = end_line if end_line is not None else line
        where = f"{path or '<string>'}:{line}:{column}"
        super().__init__(f"{where}: {message}")
