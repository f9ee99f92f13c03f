"""Container image references parsed and normalised as Docker does (`python` → docker.io/library/python).

Rules about base images (pinning, trusted registries, distroless) need the registry, repository, tag and
digest of every FROM. No maintained PyPI library does this: docker-py's `parse_repository_tag` only splits
at the last colon and neither normalises nor validates. So this module follows the grammar of
distribution/reference (the library Docker and BuildKit use) directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_REGISTRY = "docker.io"
_REGISTRY_ALIASES = {"index.docker.io": DEFAULT_REGISTRY, "registry-1.docker.io": DEFAULT_REGISTRY}
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_DOMAIN = re.compile(
    r"(?:\[[0-9A-Fa-f:.]+(?:%[\w.-]+)?\]|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
    r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)(?::[0-9]+)?"
)
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}")
_MAX_NAME_LENGTH = 255


class InvalidImageReference(ValueError):
    """A reference Docker would refuse, with the reason."""


@dataclass(frozen=True, slots=True)
class ImageReference:
    """A parsed image reference. `tag` is None when absent: Docker's implied `latest` is not filled in."""

    raw: str
    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        """The familiar name: `python`, `bitnami/redis`, `ghcr.io/org/app`."""
        if self.registry == DEFAULT_REGISTRY:
            return self.repository.removeprefix("library/")
        return f"{self.registry}/{self.repository}"

    @property
    def full_name(self) -> str:
        """The fully qualified name: `docker.io/library/python`."""
        return f"{self.registry}/{self.repository}"

    @property
    def is_scratch(self) -> bool:
        return self.raw == "scratch"

    @property
    def has_variables(self) -> bool:
        """The reference still contains `$VAR`: parsed as far as possible, not validated."""
        return "$" in self.raw

    @property
    def display(self) -> str:
        return self.raw


def parse_image_reference(text: str) -> ImageReference:
    """Parse `[registry/]path[:tag][@digest]`; raise `InvalidImageReference` with the reason."""
    if not text:
        raise InvalidImageReference("image reference is empty")
    if "$" in text:
        return _parse_with_variables(text)
    if any(ch.isspace() for ch in text):
        raise InvalidImageReference("image reference contains whitespace")
    remainder, digest = _split_digest(text)
    name, tag = _split_tag(remainder)
    registry, path = _split_registry(name)
    if not path:
        raise InvalidImageReference("repository name is empty")
    if path != path.lower():
        raise InvalidImageReference("repository name must be lowercase")
    for component in path.split("/"):
        if not _COMPONENT.fullmatch(component):
            raise InvalidImageReference(f"invalid repository name component {component!r}")
    if registry is not None and not _DOMAIN.fullmatch(registry):
        raise InvalidImageReference(f"invalid registry {registry!r}")
    if tag is not None and not _TAG.fullmatch(tag):
        raise InvalidImageReference(f"invalid tag {tag!r}")
    if len(name) > _MAX_NAME_LENGTH:
        raise InvalidImageReference(f"repository name is longer than {_MAX_NAME_LENGTH} characters")
    return _normalised(text, registry, path, tag, digest)


def _split_digest(text: str) -> tuple[str, str | None]:
    name, at, digest = text.partition("@")
    if not at:
        return text, None
    if not _DIGEST.fullmatch(digest):
        raise InvalidImageReference(f"invalid digest {digest!r}")
    algorithm, _, encoded = digest.partition(":")
    if algorithm == "sha256" and len(encoded) != 64:
        raise InvalidImageReference("a sha256 digest has 64 hexadecimal characters")
    return name, digest


def _split_tag(name: str) -> tuple[str, str | None]:
    """A tag is after the last colon that follows the last slash (a colon before it is a registry port)."""
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        return name[:colon], name[colon + 1 :]
    return name, None


def _split_registry(name: str) -> tuple[str | None, str]:
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost" or first.startswith("[")):
        return first, rest
    return None, name


def _normalised(
    raw: str, registry: str | None, path: str, tag: str | None, digest: str | None
) -> ImageReference:
    domain = _REGISTRY_ALIASES.get(registry or DEFAULT_REGISTRY, registry or DEFAULT_REGISTRY)
    if domain == DEFAULT_REGISTRY and "/" not in path:
        path = f"library/{path}"
    return ImageReference(raw, domain, path, tag, digest)


def _parse_with_variables(text: str) -> ImageReference:
    """Best effort for `python:${PY}-slim` or `${BASE}`: split where the text allows, validate nothing."""
    remainder, _, digest = text.partition("@")
    name, tag = _split_tag(remainder)
    registry, path = _split_registry(name)
    return _normalised(text, registry, path, tag, digest or None)
