"""Image references normalised as Docker does, and refused where Docker refuses them.

The expectations follow distribution/reference (the parser BuildKit gives every FROM) and go-digest (which
checks the digest); where the two have changed over the years, the current behaviour is the one pinned here.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dockwise.dockerfile import parse
from dockwise.dockerfile.build import Build
from dockwise.dockerfile.imageref import ImageReference, InvalidImageReference, parse_image_reference
from dockwise.dockerfile.lexer import ExpansionError, Lexer
from tests.conftest import SUMMARY_LINES, corpus_dockerfiles, read_text

SHA256 = "sha256:" + "0123456789abcdef" * 4
SHA512 = "sha512:" + "0123456789abcdef" * 8

# (reference, registry, repository, tag, digest, familiar name)
VALID: list[tuple[str, str, str, str | None, str | None, str]] = [
    # Docker Hub: one component gets `library/`, the registry is implied.
    ("python", "docker.io", "library/python", None, None, "python"),
    ("python:3.12-slim", "docker.io", "library/python", "3.12-slim", None, "python"),
    ("library/python", "docker.io", "library/python", None, None, "python"),
    ("bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", None, "bitnami/redis"),
    ("my-registry/app", "docker.io", "my-registry/app", None, None, "my-registry/app"),
    ("a/b/c/d", "docker.io", "a/b/c/d", None, None, "a/b/c/d"),
    ("docker.io/python", "docker.io", "library/python", None, None, "python"),
    ("docker.io/library/alpine:3.20", "docker.io", "library/alpine", "3.20", None, "alpine"),
    ("docker.io/library/foo/bar", "docker.io", "library/foo/bar", None, None, "library/foo/bar"),
    ("index.docker.io/nginx", "docker.io", "library/nginx", None, None, "nginx"),
    ("registry-1.docker.io/bitnami/redis", "docker.io", "bitnami/redis", None, None, "bitnami/redis"),
    ("scratch", "docker.io", "library/scratch", None, None, "scratch"),
    # Other registries: a first component with '.', ':' or `localhost`, kept as written.
    ("ghcr.io/org/team/app:v1", "ghcr.io", "org/team/app", "v1", None, "ghcr.io/org/team/app"),
    ("ghcr.io/app", "ghcr.io", "app", None, None, "ghcr.io/app"),
    (
        "gcr.io/distroless/static-debian12:nonroot",
        "gcr.io",
        "distroless/static-debian12",
        "nonroot",
        None,
        "gcr.io/distroless/static-debian12",
    ),
    (
        "mcr.microsoft.com/dotnet/aspnet:8.0",
        "mcr.microsoft.com",
        "dotnet/aspnet",
        "8.0",
        None,
        "mcr.microsoft.com/dotnet/aspnet",
    ),
    ("localhost/app:dev", "localhost", "app", "dev", None, "localhost/app"),
    ("localhost:5000/app", "localhost:5000", "app", None, None, "localhost:5000/app"),
    ("127.0.0.1:5000/team/app:1.0", "127.0.0.1:5000", "team/app", "1.0", None, "127.0.0.1:5000/team/app"),
    ("example:5000/app", "example:5000", "app", None, None, "example:5000/app"),
    ("Registry.Example.COM/app", "Registry.Example.COM", "app", None, None, "Registry.Example.COM/app"),
    # An upper-case first component cannot be a Docker Hub namespace, so it is a registry host.
    ("MyHost/app", "MyHost", "app", None, None, "MyHost/app"),
    ("[::1]:5000/app:1", "[::1]:5000", "app", "1", None, "[::1]:5000/app"),
    ("[2001:db8::1]/team/app", "[2001:db8::1]", "team/app", None, None, "[2001:db8::1]/team/app"),
    (
        "registry.example.com:8443/a__b/c-d.e:TAG_1",
        "registry.example.com:8443",
        "a__b/c-d.e",
        "TAG_1",
        None,
        "registry.example.com:8443/a__b/c-d.e",
    ),
    # Without a slash a colon is a tag, even after `localhost` (Docker reads it the same way).
    ("localhost:5000", "docker.io", "library/localhost", "5000", None, "localhost"),
    # Separators: one '.', one or two '_', any number of '-'.
    ("a.b_c__d---e", "docker.io", "library/a.b_c__d---e", None, None, "a.b_c__d---e"),
    # Tags: a word character first, then up to 127 of [\w.-].
    ("alpine:_x", "docker.io", "library/alpine", "_x", None, "alpine"),
    ("alpine:3.20.1-r0_B", "docker.io", "library/alpine", "3.20.1-r0_B", None, "alpine"),
    ("alpine:" + "t" * 128, "docker.io", "library/alpine", "t" * 128, None, "alpine"),
    # Digests, alone or after a tag (Docker accepts both and pulls by digest).
    (f"alpine@{SHA256}", "docker.io", "library/alpine", None, SHA256, "alpine"),
    (f"alpine:3.20@{SHA256}", "docker.io", "library/alpine", "3.20", SHA256, "alpine"),
    (f"alpine@{SHA512}", "docker.io", "library/alpine", None, SHA512, "alpine"),
    (f"ghcr.io/o/a:1@{SHA256}", "ghcr.io", "o/a", "1", SHA256, "ghcr.io/o/a"),
    (f"localhost:5000/a@{SHA256}", "localhost:5000", "a", None, SHA256, "localhost:5000/a"),
    # The length limit is on the path, `library/` included: 8 + 247 = 255.
    ("a" * 247, "docker.io", "library/" + "a" * 247, None, None, "a" * 247),
    ("ghcr.io/" + "a" * 255, "ghcr.io", "a" * 255, None, None, "ghcr.io/" + "a" * 255),
]


@pytest.mark.parametrize(("text", "registry", "repository", "tag", "digest", "name"), VALID)
def test_valid_references_are_normalised(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None, name: str
) -> None:
    reference = parse_image_reference(text)
    assert reference == ImageReference(text, registry, repository, tag, digest)
    assert reference.name == name
    assert reference.full_name == f"{registry}/{repository}"
    assert reference.display == text
    assert not reference.has_variables


# (reference, part of the reason)
INVALID: list[tuple[str, str]] = [
    ("", "empty"),
    ("two words", "whitespace"),
    ("alpine\t", "whitespace"),
    ("Python:3", "must be lowercase"),
    ("UBUNTU", "must be lowercase"),
    ("python/Django", "must be lowercase"),
    ("ghcr.io/Org/app", "must be lowercase"),
    ("localhost:5000/App", "must be lowercase"),
    ("foo//bar", "empty component"),
    ("/foo", "empty component"),
    ("foo/", "empty component"),
    ("-leading", "component '-leading'"),
    ("trailing-", "component 'trailing-'"),
    ("a..b", "component 'a..b'"),
    ("a___b", "component 'a___b'"),
    ("a:b:c", "component 'a:b'"),
    ("caf\u00e9", "component"),
    # Docker accepts this one as a registry-less path that nothing can pull (see the module): refused here.
    ("my_registry.example.com/app", "invalid registry"),
    ("-bad.example.com/app", "invalid registry"),
    ("example.com:port/app", "invalid registry"),
    ("example.com:/app", "invalid registry"),
    ("[::1%eth0]:5000/app", "invalid registry"),
    ("alpine:", "invalid tag ''"),
    ("alpine:-bad", "invalid tag"),
    ("alpine:.bad", "invalid tag"),
    ("alpine:" + "t" * 129, "invalid tag"),
    ("alpine:\u00e9t\u00e9", "invalid tag"),
    ("alpine:a+b", "invalid tag"),
    ("alpine@", "invalid digest ''"),
    ("alpine@sha256:abc", "invalid digest"),
    ("alpine@sha256", "invalid digest"),
    ("alpine@:" + "a" * 64, "invalid digest"),
    ("alpine@sha256:" + "g" * 64, "invalid digest"),
    (f"alpine@{SHA256}@{SHA256}", "invalid digest"),
    ("alpine@sha256:" + "a" * 40, "64 lowercase hexadecimal"),
    ("alpine@sha256:" + "a" * 65, "64 lowercase hexadecimal"),
    ("alpine@sha256:" + "A" * 64, "64 lowercase hexadecimal"),
    ("alpine@sha512:" + "a" * 64, "128 lowercase hexadecimal"),
    ("alpine@md5:" + "a" * 32, "unsupported digest algorithm 'md5'"),
    ("0123456789abcdef" * 4, "image ID"),
    ("a" * 248, "more than 255 characters"),
    ("org/" + "a" * 252, "more than 255 characters"),
]


@pytest.mark.parametrize(("text", "reason"), INVALID)
def test_invalid_references_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidImageReference, match=re.escape(reason)) as caught:
        parse_image_reference(text)
    assert caught.value.reference == text
    assert isinstance(caught.value, ValueError)


def test_the_error_survives_pickling_for_worker_processes() -> None:
    error = pickle.loads(pickle.dumps(InvalidImageReference("repository name must be lowercase", "A")))
    assert (str(error), error.reason, error.reference) == ("repository name must be lowercase",) * 2 + ("A",)


# (reference, registry, repository, tag, digest): split where the text allows, never refused.
WITH_VARIABLES: list[tuple[str, str, str, str | None, str | None]] = [
    ("python:${PY_VERSION}-slim", "docker.io", "library/python", "${PY_VERSION}-slim", None),
    ("python:$PY_VERSION", "docker.io", "library/python", "$PY_VERSION", None),
    ("${BASE}", "docker.io", "${BASE}", None, None),
    ("$BASE", "docker.io", "$BASE", None, None),
    ("${A}${B}", "docker.io", "${A}${B}", None, None),
    ("python${SUFFIX}", "docker.io", "python${SUFFIX}", None, None),
    ("${REGISTRY}/app:1", "docker.io", "${REGISTRY}/app", "1", None),
    ("${IMAGE}:${TAG}", "docker.io", "${IMAGE}", "${TAG}", None),
    ("kasmweb/$BASE_IMAGE:$BASE_TAG", "docker.io", "kasmweb/$BASE_IMAGE", "$BASE_TAG", None),
    ("ghcr.io/astral-sh/uv:$UV_VERSION", "ghcr.io", "astral-sh/uv", "$UV_VERSION", None),
    ("gcr.io/${PROJECT_ID}/app", "gcr.io", "${PROJECT_ID}/app", None, None),
    ("registry.example.com:5000/${IMAGE}:${TAG}", "registry.example.com:5000", "${IMAGE}", "${TAG}", None),
    ("${REGISTRY}:5000/app", "${REGISTRY}:5000", "app", None, None),
    # Separators inside `${...}` (modifiers, nested defaults) are not separators of the reference.
    ("node:${NODE_VERSION:-20}-alpine", "docker.io", "library/node", "${NODE_VERSION:-20}-alpine", None),
    ("${BASE:-mirror.gcr.io/busybox}", "docker.io", "${BASE:-mirror.gcr.io/busybox}", None, None),
    ("${X:-a/b:c@d}", "docker.io", "${X:-a/b:c@d}", None, None),
    ("${R:-${D:-ghcr.io}}/app:${T:-1}", "docker.io", "${R:-${D:-ghcr.io}}/app", "${T:-1}", None),
    (
        "quay.io/libpod/busybox${ARCH:+@sha256:0123}",
        "quay.io",
        "libpod/busybox${ARCH:+@sha256:0123}",
        None,
        None,
    ),
    ("alpine@${DIGEST}", "docker.io", "library/alpine", None, "${DIGEST}"),
    ("authelia/base:${TAG}@sha256:${SHA}", "docker.io", "authelia/base", "${TAG}", "sha256:${SHA}"),
    ("${UNCLOSED:-a:b", "docker.io", "${UNCLOSED:-a:b", None, None),
    # Not validated: what is invalid now may not be once expanded (or is caught after expansion).
    ("Python:${V}", "docker.io", "library/Python", "${V}", None),
    ("index.docker.io/$APP", "docker.io", "$APP", None, None),
]


@pytest.mark.parametrize(("text", "registry", "repository", "tag", "digest"), WITH_VARIABLES)
def test_references_with_variables_are_split_without_validation(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    reference = parse_image_reference(text)
    assert reference == ImageReference(text, registry, repository, tag, digest)
    assert reference.has_variables
    assert reference.display == text


def test_scratch_is_recognised_exactly_as_buildkit_does() -> None:
    assert parse_image_reference("scratch").is_scratch
    assert not parse_image_reference("alpine").is_scratch
    assert not parse_image_reference("docker.io/library/scratch").is_scratch
    assert not parse_image_reference("scratch:latest").is_scratch
    with pytest.raises(InvalidImageReference, match="lowercase"):
        parse_image_reference("Scratch")


def test_latest_is_not_filled_in() -> None:
    assert parse_image_reference("node").tag is None
    assert parse_image_reference("node:latest").tag == "latest"


# --- properties --------------------------------------------------------------------------------------------

_component = st.from_regex(r"[a-z0-9]{1,4}(?:(?:[._]|__|-{1,3})[a-z0-9]{1,4}){0,2}", fullmatch=True)
_path = st.lists(_component, min_size=1, max_size=4).map("/".join)
_host = st.one_of(
    st.from_regex(r"[a-z0-9]{1,5}(?:\.[a-zA-Z0-9][a-zA-Z0-9-]{0,4}[a-zA-Z0-9]){1,3}", fullmatch=True),
    st.just("localhost"),
    st.from_regex(r"\[[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){1,5}\]", fullmatch=True),
)
_registry = st.one_of(
    st.none(),
    st.tuples(_host, st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))).map("".join),
)
_tag = st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True))
_digest = st.one_of(
    st.none(), st.from_regex(r"[0-9a-f]{64}", fullmatch=True).map(lambda encoded: f"sha256:{encoded}")
)


@settings(max_examples=300, deadline=None)
@given(_registry, _path, _tag, _digest)
def test_generated_references_parse_back_into_their_parts(
    registry: str | None, path: str, tag: str | None, digest: str | None
) -> None:
    first = path.split("/", maxsplit=1)[0]
    # Without a registry, a first component that looks like a host would be read as one (as Docker does).
    assume(registry is not None or "/" not in path or ("." not in first and first != "localhost"))
    text = "".join(
        (f"{registry}/" if registry else "", path, f":{tag}" if tag else "", f"@{digest}" if digest else "")
    )
    reference = parse_image_reference(text)
    expected_registry = registry or "docker.io"
    expected_path = f"library/{path}" if registry is None and "/" not in path else path
    assert (reference.registry, reference.repository, reference.tag, reference.digest) == (
        expected_registry,
        expected_path,
        tag,
        digest,
    )
    assert parse_image_reference(reference.full_name).full_name == reference.full_name


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=40), st.text(alphabet="aZ0:/@.-_$[]{}", max_size=30)))
def test_arbitrary_text_parses_or_raises_invalid_image_reference(text: str) -> None:
    try:
        reference = parse_image_reference(text)
    except InvalidImageReference as error:
        assert str(error)
        return
    assert reference.raw == text
    assert reference.registry
    # With variables anything goes (`:$/` has an empty path); without, every part was validated.
    assert reference.has_variables or _PATH.fullmatch(reference.repository)


_PATH = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*")


# --- the corpus --------------------------------------------------------------------------------------------

_FROM_LINE = re.compile(r"^\s*FROM\s+(.*)$", re.IGNORECASE)
_ESCAPE_DIRECTIVE = re.compile(r"^#\s*escape\s*=\s*(\S)\s*$", re.IGNORECASE)

#: Literal FROM words of the corpus that are no image reference, and why (each must still occur and fail).
NOT_REFERENCES = {
    "[server-modules]": "a placeholder that GCB's docker-reuse builder substitutes before building",
    "gcr.io/<project_id>/go-windows": "a placeholder in cloud-builders-community's windows-builder example",
    "REPLACE-ME": "a placeholder in the devcontainer build assets (6 files), replaced by their build script",
    "TO_BE_REPLACED": "a placeholder that docker-maven's test script replaces with sed",
    "%%NEO4J_BASE_IMAGE%%": "a placeholder that neo4j's build substitutes",
    "baseImage": "a checkov fixture for another check; Docker refuses it as well (upper case)",
    "BUG_stage": (
        "kaniko's fixtures name a stage `AS BUG_stage` and build `FROM BUG_stage`: BuildKit matches stage "
        "names case-insensitively, so this is a stage, not an image"
    ),
    '"node:8.15"': (
        "cloud-builders-community's pulumi image: BuildKit's word expansion removes the quotes before "
        "parsing, so it builds node:8.15; the word as written is not a reference"
    ),
}


def _escape_character(text: str) -> str:
    """The line-continuation character: `\\`, or what a leading `# escape=` directive says."""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _ESCAPE_DIRECTIVE.match(line)
        if match:
            return match.group(1)
    return "\\"


def literal_from_words(text: str) -> Iterator[str]:
    """The first word after each FROM that is not a `--flag` (following a line continuation if need be)."""
    escape = _escape_character(text)
    lines = text.splitlines()
    for number, line in enumerate(lines):
        match = _FROM_LINE.match(line)
        if not match:
            continue
        words = match.group(1).split()
        following = iter(lines[number + 1 :])
        while True:
            word = next((w for w in words if w == escape or not w.startswith("--")), None)
            if word is None or word != escape:
                break
            # `FROM --platform=x \` with the image on the next line (blank and comment lines skipped).
            continuation = next((n for n in following if n.strip() and not n.lstrip().startswith("#")), "")
            words = continuation.split()
        if word is not None:
            yield word


def test_the_from_word_scanner_follows_continuations() -> None:
    assert list(literal_from_words("FROM --platform=x \\\n b\n")) == ["b"]
    assert list(literal_from_words("# escape=`\nFROM `\n\n # c\n image\n")) == ["image"]
    assert list(literal_from_words("  from a AS b\nFROM\tc\nRUN FROM d\n")) == ["a", "c"]
    assert list(literal_from_words("FROM alpine \\\n  AS build\n")) == ["alpine"]
    assert list(literal_from_words("FROM \\\n")) == []


@pytest.mark.corpus
def test_every_literal_from_word_in_the_corpus_parses() -> None:
    """Every FROM line's image word in the corpus (variables aside) is a reference Docker accepts."""
    checked = with_variables = 0
    distinct: set[str] = set()
    refused: dict[str, list[str]] = {}
    for path in corpus_dockerfiles():
        for word in literal_from_words(read_text(path)):
            if "$" in word:
                # Skipped by the rule above, but never refused either: checked for that alone.
                assert parse_image_reference(word).has_variables
                with_variables += 1
                continue
            checked += 1
            distinct.add(word)
            try:
                parse_image_reference(word)
            except InvalidImageReference as error:
                refused.setdefault(word, []).append(f"{Path(path).parent.name}/{path.name}: {error}")
    summary = (
        f"image references: {checked} literal FROM words in the corpus ({len(distinct)} distinct) checked, "
        f"{sum(map(len, refused.values()))} refused as expected; {with_variables} with variables split"
    )
    print(summary)
    SUMMARY_LINES.append(summary)
    assert checked > 4000
    unexpected = {word: files for word, files in refused.items() if word not in NOT_REFERENCES}
    assert not unexpected, "\n".join(line for files in unexpected.values() for line in files)
    stale = sorted(set(NOT_REFERENCES) - set(refused))
    assert not stale, f"no longer in the corpus or now accepted, remove from NOT_REFERENCES: {stale}"


def _fully_defined_bases(build: Build) -> Iterator[str]:
    """The expanded base of each stage whose FROM variables all have values, directly or through ARG
    defaults (`ARG IMAGE=gcr.io/${PROJECT}/x` without PROJECT expands to `gcr.io//x`: no file mistake)."""
    lexer = Lexer(build.dockerfile.escape)

    def expand(text: str, env: dict[str, str]) -> str | None:
        try:
            result = lexer.process(text, env)
        except ExpansionError:  # reported by the build model; not this module's concern
            return None
        return None if result.unset else result.text

    env = dict(build.automatic_args)
    for instruction in build.global_arg_instructions:
        for word in instruction.arguments:
            name, equals, default = word.partition("=")
            env.pop(name, None)
            value = expand(default, env) if equals else None
            if value is not None:
                env[name] = value
    for stage in build.stages:
        image = expand(stage.base_name, env)
        if image is not None and stage.base_stage is None:
            assert image == stage.base_expanded
            yield image


@pytest.mark.corpus
def test_every_expanded_base_image_in_the_corpus_parses() -> None:
    """Every corpus stage base after ARG expansion (unless a variable is unset) is a valid reference."""
    checked = 0
    refused: list[str] = []
    for path in corpus_dockerfiles():
        for image in _fully_defined_bases(parse(read_text(path), str(path)).build):
            if image in ("scratch", ""):
                continue
            checked += 1
            try:
                parse_image_reference(image)
            except InvalidImageReference as error:
                if image not in NOT_REFERENCES:
                    refused.append(f"{path.name}: {image}: {error}")
    SUMMARY_LINES.append(f"image references: {checked} corpus stage bases after ARG expansion parsed")
    assert checked > 4000
    assert not refused, "\n".join(refused)


@pytest.mark.parametrize(
    ("text", "official"),
    [
        ("postgres:16", "postgres"),
        ("docker.io/postgres", "postgres"),
        ("docker.io/library/node:20-slim", "node"),
        ("postgres:${PG_VERSION}", "postgres"),
        ("bitnami/redis", None),
        ("library/x/y", None),
        ("ghcr.io/library/postgres", None),
        ("${IMAGE}", None),
    ],
)
def test_official_name(text: str, official: str | None) -> None:
    assert parse_image_reference(text).official_name == official
