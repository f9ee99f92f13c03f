"""Rules of the `expose-ports` category: what EXPOSE declares must be a port (or range) and a protocol."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Edit, Fix, Severity, TextRange
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability

_PORT = re.compile(r"(?P<ports>\d+(?:-\d+)?)(?:/(?P<protocol>[A-Za-z]+))?")


def _ports(context: DockerfileContext) -> Iterator[tuple[TextRange, str]]:
    """Every EXPOSE word without variables (those are only known at build time), with where it is."""
    for instruction in context.dockerfile.instructions:
        if instruction.keyword == "EXPOSE":
            start, end = instruction.arguments_span
            for match in re.finditer(r"\S+", instruction.line[start:end]):
                word = match.group(0)
                if "$" not in word:
                    yield instruction.offsets.range(start + match.start(), start + match.end()), word


class InvalidExposedPort(DockerfileRule):
    """EXPOSE of a port outside 1-65535, or of a range that runs backwards.

    ## Why is this bad?
    BuildKit refuses some of these when the image is built and Docker refuses the rest when the port is
    published; a typo in a port is better caught while reading the file.

    ## Example
    ```dockerfile
    EXPOSE 80800 9000-8000
    ```

    ## Use instead
    ```dockerfile
    EXPOSE 8080 8000-9000
    ```
    """

    code = "DW560"
    name = "invalid-exposed-port"
    category = Category.EXPOSE_PORTS
    severity = Severity.ERROR
    aliases = ("DL3011",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for where, word in _ports(context):
            container_port = word.rsplit(":", 1)[-1]
            match = _PORT.fullmatch(container_port)
            if match is None:
                yield context.diagnostic(self, where, f"{word!r} is not a port")
                continue
            bounds = [int(part) for part in match.group("ports").split("-")]
            if any(not 1 <= port <= 65535 for port in bounds):
                problem = "ports are 1 to 65535"
            elif len(bounds) == 2 and bounds[0] > bounds[1]:
                problem = "the range runs backwards"
            else:
                continue
            yield context.diagnostic(self, where, f"EXPOSE {word}: {problem}")


class ExposeProtocolCasing(DockerfileRule):
    """EXPOSE with the protocol in capitals (`80/TCP`).

    ## Why is this bad?
    Docker writes and compares protocols in lowercase; BuildKit's check asks for `tcp`/`udp`/`sctp`.

    ## Example
    ```dockerfile
    EXPOSE 53/UDP
    ```

    ## Use instead
    ```dockerfile
    EXPOSE 53/udp
    ```
    """

    code = "DW561"
    name = "expose-protocol-casing"
    category = Category.EXPOSE_PORTS
    severity = Severity.STYLE
    aliases = ("ExposeProtoCasing",)
    fix_availability = FixAvailability.ALWAYS
    fix_safety = (
        "Safe: BuildKit stores the exposed port's protocol in lowercase whatever the case written, so "
        "the image config is the same."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for where, word in _ports(context):
            protocol = word.rpartition("/")[2] if "/" in word else ""
            if protocol and protocol != protocol.lower():
                fixed = word[: -len(protocol)] + protocol.lower()
                yield context.diagnostic(
                    self,
                    where,
                    f"write the protocol in lowercase: {fixed}",
                    fix=Fix(f"Write {fixed}", (Edit(where, fixed),)),
                )


class ExposeWithHostMapping(DockerfileRule):
    """EXPOSE with a host port or IP address (`EXPOSE 8080:80`, `EXPOSE 127.0.0.1:80`).

    ## Why is this bad?
    EXPOSE only documents the container's port; publishing, with a host port and address, happens at run
    time (`-p`, Compose `ports:`). BuildKit drops the host part, so the file promises what it cannot do.

    ## Example
    ```dockerfile
    EXPOSE 8080:80
    ```

    ## Use instead
    ```dockerfile
    EXPOSE 80
    # and at run time: docker run -p 127.0.0.1:8080:80 ...
    ```
    """

    code = "DW562"
    name = "expose-with-host-mapping"
    category = Category.EXPOSE_PORTS
    severity = Severity.WARNING
    aliases = ("ExposeInvalidFormat",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for where, word in _ports(context):
            if ":" in word:
                yield context.diagnostic(
                    self,
                    where,
                    f"EXPOSE {word} names a host port or address: expose {word.rsplit(':', 1)[-1]} and "
                    "publish it at run time",
                )
