"""Rules of the `base-image-pinning` category: what a FROM line says about reproducible builds."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity, TextRange
from dockwise.dockerfile.imageref import ImageReference, InvalidImageReference, parse_image_reference
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


#: Stage-name words that say the stage is a target of its own, built with `--target` (or a Compose
#: `build.target`) on purpose: `dev`, `test`, `lint-go`, `debug_image` ...
TARGET_WORDS = frozenset({
    "dev", "develop", "development", "debug", "test", "tests", "testing", "unittest", "e2e", "ci", "lint",
    "local", "devcontainer", "docs", "bench", "benchmark", "check", "coverage",
})  # fmt: skip


class UnusedStage(DockerfileRule):
    """A build stage that the final image does not use, and whose name does not say it is a target of its own
    (`dev`, `test`, `lint`, `debug`, `ci` ... as a word of the name: those are built with `--target`).

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
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for stage in context.dockerfile.build.unused_stages():
            if stage.name and TARGET_WORDS & set(re.split(r"[-_.]", stage.name.lower())):
                continue  # `FROM base AS dev`: a target someone builds on purpose (Compose's build.target)
            label = stage.name or f"#{stage.index}"
            yield context.diagnostic(
                self,
                stage.from_instruction.range,
                f"stage {label} is not used by the final image: remove it or build it with --target {label}",
            )


_DOCKER_HUB_NAMES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"})


def _trusted(reference: ImageReference, patterns: tuple[str, ...]) -> bool:
    """Whether a pattern admits the image: a registry host (`*` wildcards, `*.corp.example`), or a
    registry and path prefix (`ghcr.io/acme` admits `ghcr.io/acme/app`, not `ghcr.io/acmecorp/app`)."""
    registry = reference.registry.lower()
    hub = registry in _DOCKER_HUB_NAMES
    for written in patterns:
        host, _, path = written.strip().lower().rstrip("/").partition("/")
        if hub and host in _DOCKER_HUB_NAMES:
            host = registry
        if not fnmatch.fnmatchcase(registry, host):
            continue
        if not path or reference.repository == path or reference.repository.startswith(path + "/"):
            return True
    return False


def _pulled_images(context: DockerfileContext) -> Iterator[tuple[str, TextRange]]:
    """Every image the build pulls and where it is named (stage references excluded)."""
    build = context.dockerfile.build
    for stage in build.stages:
        if stage.base is not None and stage.base_stage is None and not stage.base.is_scratch:
            yield stage.base_expanded, stage.from_instruction.range
        for instruction in stage.instructions:
            flags = instruction.parsed_flags
            sources = [flags.from_] if instruction.keyword in ("COPY", "ADD") and flags.from_ else []
            if instruction.keyword == "RUN":
                sources.extend(mount.from_ for mount in flags.mounts if mount.from_)
            for raw in sources:
                value = build.expand(instruction, raw)
                if build.stage(value) is None and not value.isdigit() and value != "scratch":
                    ranges = zip(instruction.flags, instruction.flag_ranges, strict=True)
                    flag = next((r for f, r in ranges if raw in f), instruction.range)
                    yield value, flag


class UntrustedRegistry(DockerfileRule):
    """An image is pulled from a registry that the project's `trusted-registries` does not list.

    ## Why is this bad?
    Every base image, `COPY --from=<image>` and `RUN --mount=from=<image>` runs someone else's bytes
    inside your build. Teams that mirror and scan images in their own registry list it in
    `trusted-registries`; an image from anywhere else skipped that review. Without the setting this rule
    checks nothing. Docker Hub is `docker.io` (also written `index.docker.io` or `hub.docker.com`).

    ## Example
    ```dockerfile
    # trusted-registries = ["registry.acme.example"]
    FROM python:3.12-slim
    COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/uv
    ```

    ## Use instead
    ```dockerfile
    FROM registry.acme.example/mirror/python:3.12-slim
    COPY --from=registry.acme.example/mirror/uv:0.5 /uv /bin/uv
    ```
    """

    code = "DW150"
    name = "untrusted-registry"
    category = Category.BASE_IMAGE_PINNING
    severity = Severity.ERROR
    aliases = ("DL3026",)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        patterns = context.options.trusted_registries
        if not patterns:
            return
        for image, where in _pulled_images(context):
            if "$" in image:
                continue  # named by a build argument without a default: known only at build time
            try:
                reference = parse_image_reference(image)
            except InvalidImageReference:
                continue  # DW002 reports it
            if not _trusted(reference, patterns):
                yield context.diagnostic(
                    self,
                    where,
                    f"image {image} is not from a trusted registry "
                    f"(trusted-registries: {', '.join(patterns)})",
                )
