"""Image references normalised as Docker does, and refused where Docker refuses them."""

from __future__ import annotations

import re

import pytest

from dockwise.dockerfile import parse
from dockwise.dockerfile.imageref import InvalidImageReference, parse_image_reference
from tests.conftest import SUMMARY_LINES, corpus_dockerfiles, read_text

DIGEST = "sha256:" + "a" * 64

VALID = [
    ("python", "docker.io", "library/python", None, None, "python"),
    ("python:3.12-slim", "docker.io", "library/python", "3.12-slim", None, "python"),
    ("bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", None, "bitnami/redis"),
    ("docker.io/library/alpine:3.20", "docker.io", "library/alpine", "3.20", None, "alpine"),
    ("index.docker.io/nginx", "docker.io", "library/nginx", None, None, "nginx"),
    ("ghcr.io/org/team/app:v1", "ghcr.io", "org/team/app", "v1", None, "ghcr.io/org/team/app"),
    ("localhost:5000/app", "localhost:5000", "app", None, None, "localhost:5000/app"),
    ("localhost/app:dev", "localhost", "app", "dev", None, "localhost/app"),
    ("[::1]:5000/app:1", "[::1]:5000", "app", "1", None, "[::1]:5000/app"),
    (f"alpine@{DIGEST}", "docker.io", "library/alpine", None, DIGEST, "alpine"),
    (f"alpine:3.20@{DIGEST}", "docker.io", "library/alpine", "3.20", DIGEST, "alpine"),
    (
        "gcr.io/distroless/static-debian12:nonroot",
        "gcr.io",
        "distroless/static-debian12",
        "nonroot",
        None,
        None,
    ),
    (
        "my-registry.example.com:443/a__b/c-d.e:TAG_1",
        "my-registry.example.com:443",
        "a__b/c-d.e",
        "TAG_1",
        None,
        None,
    ),
]


@pytest.mark.parametrize(("text", "registry", "repository", "tag", "digest", "name"), VALID)
def test_valid_references_are_normalised(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None, name: str | None
) -> None:
    reference = parse_image_reference(text)
    assert (reference.registry, reference.repository, reference.tag, reference.digest) == (
        registry,
        repository,
        tag,
        digest,
    )
    assert reference.full_name == f"{registry}/{repository}"
    if name is not None:
        assert reference.name == name
    assert not reference.has_variables


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("Python:3", "must be lowercase"),
        ("alpine@sha256:abc", "invalid digest"),
        ("alpine@sha256:" + "a" * 40, "64 hexadecimal"),
        ("alpine:-bad", "invalid tag"),
        ("alpine:" + "t" * 129, "invalid tag"),
        ("a" * 256, "longer than 255"),
        ("foo//bar", "component ''"),
        ("-leading", "component '-leading'"),
        ("two words", "whitespace"),
    ],
)
def test_invalid_references_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidImageReference, match=re.escape(reason)):
        parse_image_reference(text)


def test_underscores_are_not_allowed_in_registry_names() -> None:
    with pytest.raises(InvalidImageReference, match="invalid registry"):
        parse_image_reference("my_registry.example.com/app")


def test_references_with_variables_are_split_without_validation() -> None:
    reference = parse_image_reference("python:${PY_VERSION}-slim")
    assert (reference.repository, reference.tag) == ("library/python", "${PY_VERSION}-slim")
    assert reference.has_variables
    bare = parse_image_reference("${BASE}")
    assert (bare.registry, bare.repository, bare.tag) == ("docker.io", "library/${BASE}", None)
    registry = parse_image_reference("${REGISTRY}/app:1")
    assert (registry.repository, registry.tag) == ("${REGISTRY}/app", "1")


def test_scratch() -> None:
    assert parse_image_reference("scratch").is_scratch
    assert not parse_image_reference("alpine").is_scratch


#: Base "images" in corpus files that are template placeholders, not references (Docker refuses them too).
PLACEHOLDER = re.compile(r"REPLACE|TO_BE_REPLACED|%%|<[^>]*>|^\[.*\]$|^[\"'`]|^baseImage$")
"""`baseImage` is a made-up name in one of checkov's test fixtures; Docker refuses it (upper case) as well."""


def test_every_literal_base_image_in_the_corpus_parses() -> None:
    """Every FROM of the corpus that names an image (not a stage, no variables) is a valid reference."""
    checked = 0
    refused: list[str] = []
    for path in corpus_dockerfiles():
        build = parse(read_text(path), str(path)).build
        for stage in build.stages:
            image = stage.base_expanded
            if stage.base_stage is not None or "$" in stage.base_name or image in ("scratch", ""):
                continue
            checked += 1
            try:
                parse_image_reference(image)
            except InvalidImageReference as error:
                refused.append(f"{path.name}: {image}: {error}")
    SUMMARY_LINES.append(
        f"image references: {checked} literal corpus base images parsed, {len(refused)} refused"
    )
    assert checked > 4000
    not_placeholders = [line for line in refused if not PLACEHOLDER.search(line.split(": ")[1])]
    assert not not_placeholders, "\n".join(not_placeholders)
