"""Which image the runtime stage of `fix --multi-stage` starts FROM, per ecosystem.

The defaults are distroless images (no shell, no package manager); a project can name its own per
ecosystem (`[multi-stage.runtime-bases]` in the config, `--runtime-base go=IMAGE` on the command line), which
is how air-gapped teams and the engine tests use local images. Where the builder's official image tells the
language version (node:20, python:3.12, a JDK 21), the default follows it, so that what was built runs on
the same version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dockwise.dockerfile.imageref import ImageReference, official_name_of
from dockwise.errors import DockwiseError

#: The ecosystems a runtime base can be configured for. `go-cgo`: a Go binary that may link libc.
ECOSYSTEMS = ("go", "go-cgo", "rust", "node", "python", "java")
DEFAULT_RUNTIME_BASES: Mapping[str, str] = {
    "go": "gcr.io/distroless/static-debian12:nonroot",
    "go-cgo": "gcr.io/distroless/base-debian12:nonroot",
    "rust": "gcr.io/distroless/cc-debian12:nonroot",
    "node": "gcr.io/distroless/nodejs20-debian12:nonroot",
    "python": "gcr.io/distroless/python3-debian12:nonroot",
    "java": "gcr.io/distroless/java17-debian12:nonroot",
}
_DISTROLESS_NODE = frozenset({"18", "20", "22"})
_DISTROLESS_JAVA = frozenset({"17", "21"})
_JAVA_VERSION = re.compile(r"(?:jdk|jre|temurin|openjdk|corretto|java)-?(\d+)")


def parse_runtime_base(text: str) -> tuple[str, str]:
    """`go=IMAGE` (the `--runtime-base` syntax) as a pair, or an error that names the ecosystems."""
    ecosystem, separator, image = text.partition("=")
    ecosystem = ecosystem.strip().lower()
    if not separator or not image.strip():
        raise DockwiseError(f"--runtime-base takes ECOSYSTEM=IMAGE, not {text!r}")
    check_ecosystem(ecosystem, "--runtime-base")
    return ecosystem, image.strip()


def check_ecosystem(ecosystem: str, where: str) -> None:
    if ecosystem not in ECOSYSTEMS:
        raise DockwiseError(f"{where}: unknown ecosystem {ecosystem!r} (known: {', '.join(ECOSYSTEMS)})")


def runtime_base(
    ecosystem: str, builder: ImageReference | None, configured: Mapping[str, str]
) -> tuple[str, bool]:
    """The runtime base for `ecosystem` and whether it was configured (True) or chosen by dockwise.

    `go-cgo` falls back to a configured `go` image: a project that names one Go runtime means it.
    """
    if ecosystem in configured:
        return configured[ecosystem], True
    if ecosystem == "go-cgo" and "go" in configured:
        return configured["go"], True
    derived = _from_builder(ecosystem, builder)
    return derived or DEFAULT_RUNTIME_BASES[ecosystem], False


def _from_builder(ecosystem: str, builder: ImageReference | None) -> str | None:
    """The runtime that matches the builder's language version, when its official image tells it."""
    if builder is None:
        return None
    name = builder.repository.rsplit("/", 1)[-1]
    tag = builder.tag or ""
    if ecosystem == "python" and name == "python":
        return builder.raw if "slim" in tag or "alpine" in tag else _python_slim(tag)
    if ecosystem == "node" and name == "node":
        major = tag.split(".", 1)[0].split("-", 1)[0]
        if "alpine" in tag and major.isdigit():
            # node_modules keep the builder's C library (prebuilt native modules are downloaded for
            # musl there): musl stays musl, not distroless or slim (glibc)
            return f"node:{major}-alpine"
        if major in _DISTROLESS_NODE:
            return f"gcr.io/distroless/nodejs{major}-debian12:nonroot"
        return f"node:{major}-slim" if major.isdigit() else None
    if ecosystem == "java":
        version = java_version(builder)
        if version in _DISTROLESS_JAVA:
            return f"gcr.io/distroless/java{version}-debian12:nonroot"
        return f"eclipse-temurin:{version}-jre" if version else None
    return None


def _python_slim(tag: str) -> str:
    """python:3.12 → python:3.12-slim; python:3.12-bookworm → python:3.12-slim-bookworm; slim and
    alpine tags stay (the interpreter path and version are then those of the builder)."""
    if not tag or tag == "latest":
        return "python:slim"
    if "slim" in tag or "alpine" in tag:
        return f"python:{tag}"
    version, _, variant = tag.partition("-")
    suffix = f"-{variant}" if variant in ("bookworm", "bullseye", "trixie") else ""
    return f"python:{version}-slim{suffix}"


def java_version(builder: ImageReference) -> str | None:
    """The JDK major version a builder image's tag names (maven:3.9-eclipse-temurin-21 → 21)."""
    tag = (builder.tag or "").lower()
    found = _JAVA_VERSION.search(tag)
    if found:
        return found.group(1)
    name = builder.repository.rsplit("/", 1)[-1]
    if name in ("eclipse-temurin", "openjdk", "amazoncorretto", "sapmachine"):
        leading = re.match(r"\d+", tag)
        return leading.group(0) if leading else None
    return None


def is_distroless(image: str) -> bool:
    return "distroless/" in image


def runs_command_as_written(image: str) -> bool:
    """Whether a CMD runs as written on `image` without clearing its ENTRYPOINT: distroless static, base
    and cc have none, and the official images' entrypoints hand a command through. Distroless
    interpreter bases start their interpreter, and an image named in the configuration may do anything."""
    if is_distroless(image):
        return not any(name in image for name in ("nodejs", "python", "java"))
    return official_name_of(image) is not None


def has_shell(image: str) -> bool:
    """Whether /bin/sh exists in the image, as far as its name tells (distroless: only `:debug` tags)."""
    return not (is_distroless(image) and ":debug" not in image) and image != "scratch"
