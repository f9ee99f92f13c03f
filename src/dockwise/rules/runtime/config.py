"""The runtime configuration itself cannot be read."""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules.runtime._base import RunSpecContext, RunSpecRule


class InvalidRuntimeConfig(RunSpecRule):
    """A Compose file or a `docker run` line that cannot be read: invalid YAML, a duplicate key, a value
    Docker would refuse (`mem_limit: lots`), an alias bomb, a `docker run` flag without its value.

    Reported by the loaders (`dockwise.runspec`), so no other runtime rule runs on what it could not read.

    ## Why is this bad?
    Compose or the Docker CLI refuses the file or the command, usually with a less precise message.

    ## Example
    ```yaml
    services:
      api:
        image: example/api:1.4
        image: example/api:1.5
    ```

    ## Use instead
    ```yaml
    services:
      api:
        image: example/api:1.5
    ```
    """

    code = "DW700"
    name = "invalid-runtime-config"
    category = Category.SYNTAX
    severity = Severity.ERROR

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        return iter(())
