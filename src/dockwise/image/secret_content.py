"""Secrets inside files: token formats with a distinct shape (cloud keys, forge tokens, private keys...).

Each pattern has case-sensitive keywords (the fixed part of the token, in every case it is written in);
a pattern's regular expression runs only when one of its keywords is in the file, so most files cost
about 27 substring searches. (Lowering each file to match lowercase keywords, as trivy does, needed
45 searches and ran at 134 MB/s on Python sources here, against 215 MB/s now.) Only small text files
are read at all (`wants_file`), and paths full of other people's sample keys (documentation, test
suites, vendored packages) are skipped, as trivy's allow list does; its false positives there are the
usual complaint. Context-only patterns ("a key named *stripe* with 32 hex characters") are left out for
the same reason.

A finding never carries the secret: only its first characters, enough to find it again.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

MIN_BYTES = 10
MAX_BYTES = 2 * 1024 * 1024
"""Larger files are not read for secrets (configuration files and scripts are far smaller)."""

_SKIPPED_PREFIXES = (
    "usr/share/",
    "usr/include/",
    "usr/lib/",
    "usr/local/go/",
    "usr/local/lib/python",
    "usr/local/include/",
    "proc/",
    "sys/",
)
_SKIPPED_PARTS = frozenset(
    {
        # vendored and installed third-party code, documentation, test suites, wherever they are rooted
        # (trivy's allow list anchors these at /usr; a virtualenv in /opt or a copied /usr is the same)
        "node_modules",
        "vendor",
        "site-packages",
        "dist-packages",
        "gems",
        "perl5",
        "doc",
        "man",
        "include",
        "zoneinfo",
        "test",
        "tests",
        "testdata",
        "example",
        "examples",
        "locale",
        "locales",
        "objects",
    }
)
_SKIPPED_SUFFIXES = (
    ".md",
    ".rst",
    ".html",
    ".pyc",
    ".so",
    ".a",
    ".o",
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".svg",
    ".ico",
    ".pdf",
    ".zip",
    ".gz",
    ".tgz",
    ".xz",
    ".bz2",
    ".zst",
    ".tar",
    ".jar",
    ".whl",
    ".deb",
    ".rpm",
    ".mo",
    ".lock",
    "package-lock.json",
    "go.sum",
)


class SecretPattern(NamedTuple):
    id: str
    title: str
    keywords: tuple[bytes, ...]
    regex: re.Pattern[bytes]


def _pattern(id: str, title: str, keywords: tuple[str, ...], regex: str) -> SecretPattern:
    return SecretPattern(id, title, tuple(k.encode() for k in keywords), re.compile(regex.encode()))


PATTERNS = (
    _pattern(
        "private-key",
        "a private key",
        ("PRIVATE KEY",),
        r"-----BEGIN ([A-Z0-9 ]{0,20})PRIVATE KEY(?: BLOCK)?-----\s*"
        r"[A-Za-z0-9+/=:,\s-]{32,}?-----END \1PRIVATE KEY",
    ),
    _pattern(
        "aws-access-key-id",
        "an AWS access key ID",
        # long-term (AKIA) and temporary (ASIA) keys; AIDA, AROA... are IDs of users and roles, not secrets
        ("AKIA", "ASIA"),
        r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])",
    ),
    _pattern(
        "aws-secret-access-key",
        "an AWS secret access key",
        ("aws", "AWS", "Aws"),
        r"(?i)aws_?(?:secret)?_?(?:access)?_?key[\"']?\s*(?::|=>|=)\s*[\"']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
    ),
    _pattern(
        "github-token",
        "a GitHub token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        r"(?<![A-Za-z0-9_])(?:gh[pousr]_[0-9A-Za-z]{36,76}|github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59})",
    ),
    _pattern("gitlab-token", "a GitLab personal access token", ("glpat-",), r"glpat-[0-9A-Za-z_-]{20}"),
    _pattern(
        "slack-token",
        "a Slack token",
        ("xox",),
        r"xox[baprs]-[0-9A-Za-z-]{10,72}",
    ),
    _pattern(
        "slack-webhook",
        "a Slack webhook URL",
        ("hooks.slack.com",),
        r"https://hooks\.slack\.com/services/[A-Za-z0-9+/]{40,50}",
    ),
    _pattern("stripe-secret-key", "a Stripe live secret key", ("sk_live_",), r"sk_live_[0-9A-Za-z]{10,99}"),
    _pattern(
        "npm-token", "an npm access token", ("npm_",), r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"
    ),
    _pattern(
        "pypi-token",
        "a PyPI upload token",
        ("pypi-AgEIcHlwaS5vcmc",),
        r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}",
    ),
    _pattern(
        "huggingface-token",
        "a Hugging Face access token",
        ("hf_",),
        r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{34,40}(?![A-Za-z0-9])",
    ),
    _pattern(
        "gcp-service-account",
        "a Google Cloud service-account key",
        ("service_account",),
        r"\"type\"\s*:\s*\"service_account\"",
    ),
    _pattern(
        "docker-registry-auth",
        "registry credentials (a Docker config `auth`)",
        ('"auth"',),
        r"\"auth\"\s*:\s*\"[A-Za-z0-9+/]{8,}={0,2}\"",
    ),
    _pattern(
        "azure-storage-key",
        "an Azure storage account key",
        ("AccountKey", "accountkey", "ACCOUNTKEY"),
        r"(?i)AccountKey\s*=\s*[A-Za-z0-9+/]{86}==",
    ),
    _pattern(
        "openai-key",
        "an OpenAI API key",
        ("T3BlbkFJ",),
        r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,100}T3BlbkFJ[A-Za-z0-9_-]{20,100}",
    ),
    _pattern(
        "anthropic-key", "an Anthropic API key", ("sk-ant-",), r"sk-ant-[a-z]{3,8}\d{2}-[A-Za-z0-9_-]{80,}"
    ),
    _pattern(
        "maven-password",
        "a password in Maven settings",
        ("<password>",),
        r"<password>\s*([^<\s{$][^<{$]*[^<\s])\s*</password>",
    ),
)


class SecretHit(NamedTuple):
    """A secret found in a file: which pattern, the line, and the first characters only."""

    path: str
    pattern: str
    line: int
    preview: str


def wants_file(path: str, size: int) -> bool:
    """Is this file worth reading for secrets? `path` is relative to the image root."""
    if size < MIN_BYTES or size > MAX_BYTES or path.endswith(_SKIPPED_SUFFIXES):
        return False
    return not _directory_skipped(path.rpartition("/")[0])


@functools.lru_cache(maxsize=4096)
def _directory_skipped(directory: str) -> bool:
    """Decided once per directory: an image has many files per directory, and this runs for each."""
    if f"{directory}/".startswith(_SKIPPED_PREFIXES):
        return True
    parts = directory.split("/")
    if _SKIPPED_PARTS.intersection(parts):
        return True
    # a Python installation's library (lib/python3.12/...), standard library and packages alike
    return any(part.startswith("python") and part[6:7].isdigit() for part in parts)


SNIFF_BYTES = 8192


def is_binary(head: bytes) -> bool:
    """A NUL byte in the first `SNIFF_BYTES`: not text (ELF files, images, compiled Python...)."""
    return b"\0" in head[:SNIFF_BYTES]


def find_secrets(path: str, content: bytes) -> list[SecretHit]:
    """Every secret in `content` (a text file; binary files, with a NUL byte early on, are skipped)."""
    if is_binary(content):
        return []
    hits = []
    present = {number for keyword, number in _KEYWORDS if keyword in content}
    for number in sorted(present):
        pattern = PATTERNS[number]
        for match in pattern.regex.finditer(content):
            line = content.count(b"\n", 0, match.start()) + 1
            preview = match.group(0)[:8].decode("ascii", "replace") + "…"
            hits.append(SecretHit(path, pattern.id, line, preview))
    return hits


TITLES = {pattern.id: pattern.title for pattern in PATTERNS}
_KEYWORDS = tuple(
    (keyword, number) for number, pattern in enumerate(PATTERNS) for keyword in pattern.keywords
)
"""Every keyword with its pattern, flat: one comprehension tests them all (a generator per pattern cost
more than the searches themselves)."""
