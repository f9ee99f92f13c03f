"""Container image references parsed and normalised as Docker does (`python` → docker.io/library/python).

Rules about base images (pinning, trusted registries, distroless) need the registry, repository, tag and
digest of every FROM, and need them exactly as BuildKit reads them: BuildKit hands the FROM text to
distribution/reference's `ParseNormalizedNamed` (with go-digest checking the digest). No maintained PyPI
library does this: docker-py's `parse_repository_tag` only splits at the last colon, and neither
normalises (`python` stays `python`) nor validates (`Python:-x` is accepted). So this module implements
that grammar and those normalisation rules itself.

A reference that still holds `$VAR` / `${VAR}` (an ARG without a value) is split as well as the text
allows and never refused: what it becomes is only known at build time.
"""

from __future__ import annotations

import re

from dockwise.patterns import LazyPattern
from dockwise.record import Record

DEFAULT_REGISTRY = "docker.io"
#: Docker Hub's other names. distribution/reference itself folds only `index.docker.io`; the registry's
#: API host is folded too so that rules never treat an explicit Docker Hub reference as a third party.
_REGISTRY_ALIASES = {"index.docker.io": DEFAULT_REGISTRY, "registry-1.docker.io": DEFAULT_REGISTRY}
_OFFICIAL_PREFIX = "library/"
_MAX_PATH_LENGTH = 255
"""distribution/reference limits the path (after `library/` is added), not the registry."""

_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?")
# Go's \w is ASCII-only: without re.ASCII Python would accept `alpine:été`.
_TAG = re.compile(r"\w[\w.-]{0,127}", re.ASCII)
_DIGEST = LazyPattern(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
#: The algorithms go-digest knows, with the length of their lowercase hex encoding; others are refused.
_DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_LOWER_HEX = re.compile(r"[a-f0-9]+")
_IDENTIFIER = re.compile(r"[a-f0-9]{64}")
_VARIABLE = LazyPattern(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|[0-9*#?@$!-])?")


class InvalidImageReference(ValueError):
    """A reference Docker would refuse; the message is the reason, `reference` the text refused."""

    def __init__(self, reason: str, reference: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.reference = reference


class ImageReference(Record):
    """A parsed image reference. `tag` is None when absent: Docker's implied `latest` is not filled in,
    so rules can tell `FROM node` from `FROM node:latest`."""

    __slots__ = ("digest", "raw", "registry", "repository", "tag")
    raw: str
    """As written, e.g. "python:3.12-slim"."""
    registry: str
    """"docker.io" when none is given; otherwise as written ("ghcr.io", "localhost:5000", "[::1]:5000")."""
    repository: str
    """The normalised path: "library/python" for a one-component Docker Hub name."""
    tag: str | None
    digest: str | None
    """"sha256:<64 hex>" and the like when pinned."""

    def __init__(self, raw: str, registry: str, repository: str, tag: str | None, digest: str | None) -> None:
        object.__setattr__(self, "raw", raw)
        object.__setattr__(self, "registry", registry)
        object.__setattr__(self, "repository", repository)
        object.__setattr__(self, "tag", tag)
        object.__setattr__(self, "digest", digest)

    @property
    def name(self) -> str:
        """The familiar name Docker prints: `python`, `bitnami/redis`, `ghcr.io/org/app`."""
        if self.registry != DEFAULT_REGISTRY:
            return f"{self.registry}/{self.repository}"
        official = self.repository.removeprefix(_OFFICIAL_PREFIX)
        # Like Docker, only `library/x` is shortened: `library/x/y` keeps its prefix.
        return official if "/" not in official else self.repository

    @property
    def official_name(self) -> str | None:
        """The Docker Official Image this names (`postgres` for `postgres:16`, `docker.io/postgres` or
        `docker.io/library/postgres`), else None (another registry or namespace, `${IMAGE}`)."""
        if self.registry != DEFAULT_REGISTRY or not self.repository.startswith(_OFFICIAL_PREFIX):
            return None
        name = self.repository.removeprefix(_OFFICIAL_PREFIX)
        return name if "/" not in name else None

    @property
    def full_name(self) -> str:
        """The fully qualified name: `docker.io/library/python`."""
        return f"{self.registry}/{self.repository}"

    @property
    def is_scratch(self) -> bool:
        """BuildKit's empty base; it compares case-sensitively (`Scratch` is an invalid reference)."""
        return self.raw == "scratch"

    @property
    def has_variables(self) -> bool:
        """The reference still contains `$VAR`: split as far as possible, not validated."""
        return "$" in self.raw

    @property
    def display(self) -> str:
        """The reference as the user wrote it, for messages."""
        return self.raw


def reference_or_none(image: object) -> ImageReference | None:
    """`image` parsed when it is a reference Docker accepts (a Compose `image:` may be anything), else
    None."""
    if not isinstance(image, str) or not image:
        return None
    try:
        return parse_image_reference(image)
    except InvalidImageReference:
        return None


def official_name_of(image: object) -> str | None:
    """`ImageReference.official_name` of `image` (None too when it is no valid reference)."""
    reference = reference_or_none(image)
    return reference.official_name if reference is not None else None


def parse_image_reference(text: str) -> ImageReference:
    """Parse `[registry/]path[:tag][@digest]` as BuildKit does; raise `InvalidImageReference` with the reason.

    A reference with unexpanded variables is split without validation (see `ImageReference.has_variables`).
    """
    if not text:
        raise InvalidImageReference("image reference is empty", text)
    if "$" in text:
        return _parse_with_variables(text)
    if any(ch.isspace() for ch in text):
        raise InvalidImageReference("image reference contains whitespace", text)
    if _IDENTIFIER.fullmatch(text):
        raise InvalidImageReference(
            "a 64-character hexadecimal string is an image ID, not a repository name", text
        )
    remainder, digest = _split_digest(text)
    name, tag = _split_tag(remainder)
    registry, path = _split_registry(name)
    # One deliberate difference: distribution/reference re-reads `my_registry.example.com/app` (no valid
    # host) as a path without registry and accepts it, but no pull can resolve it; refused here instead.
    if registry is not None and not _DOMAIN.fullmatch(registry):
        raise InvalidImageReference(f"invalid registry {registry!r}", text)
    if path != path.lower():
        raise InvalidImageReference(f"repository name must be lowercase (not {path!r})", text)
    for component in path.split("/"):
        if not component:
            raise InvalidImageReference(f"repository name {path!r} has an empty component", text)
        if not _PATH_COMPONENT.fullmatch(component):
            raise InvalidImageReference(f"invalid repository name component {component!r}", text)
    if tag is not None and not _TAG.fullmatch(tag):
        raise InvalidImageReference(f"invalid tag {tag!r}", text)
    reference = _normalised(text, registry, path, tag, digest)
    if len(reference.repository) > _MAX_PATH_LENGTH:
        raise InvalidImageReference(
            f"repository name must not be more than {_MAX_PATH_LENGTH} characters "
            f"({len(reference.repository)})",
            text,
        )
    return reference


def _split_digest(text: str) -> tuple[str, str | None]:
    name, at, digest = text.partition("@")
    if not at:
        return text, None
    if not _DIGEST.fullmatch(digest):
        raise InvalidImageReference(f"invalid digest {digest!r}", text)
    algorithm, _, encoded = digest.partition(":")
    expected = _DIGEST_HEX_LENGTHS.get(algorithm)
    if expected is None:
        known = ", ".join(_DIGEST_HEX_LENGTHS)
        raise InvalidImageReference(f"unsupported digest algorithm {algorithm!r} (known: {known})", text)
    if len(encoded) != expected or not _LOWER_HEX.fullmatch(encoded):
        raise InvalidImageReference(
            f"a {algorithm} digest is {expected} lowercase hexadecimal characters, not {encoded!r}", text
        )
    return name, digest


def _split_tag(name: str) -> tuple[str, str | None]:
    """A tag follows the last colon after the last slash (a colon before it belongs to a registry port)."""
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        return name[:colon], name[colon + 1 :]
    return name, None


def _split_registry(name: str) -> tuple[str | None, str]:
    """The first component is a registry when it looks like a host, as in distribution/reference.

    Besides a '.' or ':' (host, IP, port) or `localhost`, that includes any upper-case letter: Docker Hub
    namespaces are lowercase, so `MyHost/app` means a registry called `MyHost`.
    """
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        return first, rest
    return None, name


def _normalised(
    raw: str, registry: str | None, path: str, tag: str | None, digest: str | None
) -> ImageReference:
    domain = _REGISTRY_ALIASES.get(registry, registry) if registry else DEFAULT_REGISTRY
    if domain == DEFAULT_REGISTRY and "/" not in path and "$" not in path:
        path = _OFFICIAL_PREFIX + path
    return ImageReference(raw, domain, path, tag, digest)


def _parse_with_variables(text: str) -> ImageReference:
    """Best effort for `python:${PY}-slim` or `${BASE}`: split where the text allows, validate nothing.

    Separators are looked for outside variables only, so `node:${V:-20}` has the tag `${V:-20}`. Parts
    holding a variable are kept verbatim: `${BASE}` gets no `library/`, as it may expand to any name.
    """
    masked = _mask_variables(text)
    at = masked.find("@")
    end = at if at >= 0 else len(text)
    digest = text[at + 1 :] if at >= 0 else None
    name_end = end
    tag: str | None = None
    colon = masked.rfind(":", 0, end)
    if colon > masked.rfind("/", 0, end):
        name_end, tag = colon, text[colon + 1 : end]
    slash = masked.find("/", 0, name_end)
    first = masked[:slash]
    registry: str | None = None
    path = text[:name_end]
    if slash >= 0 and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        registry, path = text[:slash], text[slash + 1 : name_end]
    return _normalised(text, registry, path, tag or None, digest or None)


def _mask_variables(text: str) -> str:
    """`text` with every `$NAME` / `${...}` (nesting allowed) replaced by as many `x` (same positions)."""
    out: list[str] = []
    index = 0
    while index < len(text):
        if text[index] != "$":
            out.append(text[index])
            index += 1
            continue
        if text.startswith("${", index):
            depth, end = 0, index
            while end < len(text):
                if text.startswith("${", end):
                    depth, end = depth + 1, end + 2
                    continue
                if text[end] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                end += 1
            end = min(end + 1, len(text))
        else:
            match = _VARIABLE.match(text, index)
            end = match.end() if match else index + 1
        out.append("x" * (end - index))
        index = end
    return "".join(out)
