"""Rules of the `base-image-pinning` category: what a FROM line says about reproducible builds."""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules._base import DockerfileContext, DockerfileRule


class UnpinnedBaseImage(DockerfileRule):
    """Base image has no tag, or the moving `latest` tag.

    ## Why is this bad?
    `FROM node` and `FROM node:latest` mean whatever the registry serves on the day of the build: a rebuild
    of the same commit can bring a new major version, a new distribution, new vulnerabilities. The image
    you tested is not the image you ship.

    ## Example
    ```dockerfile
    FROM node:latest
    ```

    ## Use instead
    ```dockerfile
    FROM node:22.11-bookworm-slim
    # or, reproducible to the byte:
    FROM node:22.11-bookworm-slim@sha256:<digest>
    ```
    """

    code = "DW101"
    name = "unpinned-base-image"
    category = Category.BASE_IMAGE_PINNING
    severity = Severity.WARNING
    aliases = ("DL3006", "DL3007", "CKV_DOCKER_7")

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.stages:
            reference = stage.base
            if reference is None or reference.digest or "$" in stage.base_expanded:
                continue
            if reference.tag is None:
                problem = "has no tag, so it means `latest`"
            elif reference.tag == "latest":
                problem = "uses the moving `latest` tag"
            else:
                continue
            yield context.diagnostic(
                self,
                stage.from_instruction.range,
                f"base image {stage.base_expanded} {problem}: pin a version (and ideally a digest)",
            )


class UnusedStage(DockerfileRule):
    """A build stage that the final image does not use.

    ## Why is this bad?
    BuildKit skips stages the target does not need, so an unused stage is never built by default: either
    dead code, or a target (test, lint, dev) that deserves a name saying so and a `--target` in CI.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS build
    RUN go build -o /app .
    FROM golang:1.22 AS old-build
    RUN make
    FROM gcr.io/distroless/static-debian12
    COPY --from=build /app /app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS build
    RUN go build -o /app .
    FROM gcr.io/distroless/static-debian12
    COPY --from=build /app /app
    ```
    """

    code = "DW102"
    name = "unused-stage"
    category = Category.MULTI_STAGE
    severity = Severity.INFO
    aliases = ()

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.unused_stages():
            label = stage.name or f"#{stage.index}"
            yield context.diagnostic(
                self,
                stage.from_instruction.range,
                f"stage {label} is not used by the final image: remove it or build it with --target {label}",
            )
