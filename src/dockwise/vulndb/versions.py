"""Exact version ordering per ecosystem: a comparator bug is a false positive (or a missed advisory).

* dpkg (Debian, Ubuntu): python-debian's `Version`, the reference port of dpkg's algorithm.
* apk (Alpine, Wolfi): a port of apk-tools' src/version.c, written here because no PyPI library is right
  (univers rejects `_git`/`_svn`/`_cvs`/`_hg` suffixes and calls `1.0` equal to `1.0-r0`).
* PEP 440 (PyPI): `packaging.version.Version`.
* SemVer 2.0 (npm, crates.io): the `semver` package; Go is SemVer with a `v` prefix, `+incompatible`
  ignored, pseudo-versions being pre-releases already.

`compare(ecosystem, a, b)` returns -1, 0 or 1 and raises `VersionError` for a version the ecosystem
cannot order, which callers treat as "cannot tell", never as "not affected".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable


class VersionError(ValueError):
    """A version string the ecosystem's ordering cannot place."""


def compare(ecosystem: str, left: str, right: str) -> int:
    return _comparator(ecosystem.split(":", 1)[0])(left, right)


def _comparator(ecosystem: str) -> Callable[[str, str], int]:
    found = _COMPARATORS.get(ecosystem.lower())
    if found is None:
        raise VersionError(f"no version ordering for ecosystem {ecosystem!r}")
    return found


def compare_dpkg(left: str, right: str) -> int:
    from debian.debian_support import Version

    try:
        a, b = Version(left), Version(right)
    except ValueError as error:
        raise VersionError(str(error)) from None
    return (a > b) - (a < b)


def compare_pep440(left: str, right: str) -> int:
    from packaging.version import InvalidVersion, Version

    try:
        a, b = Version(left), Version(right)
    except InvalidVersion as error:
        raise VersionError(str(error)) from None
    return (a > b) - (a < b)


def compare_semver(left: str, right: str) -> int:
    import semver

    try:
        return int(semver.Version.parse(left).compare(right))
    except (ValueError, TypeError) as error:
        raise VersionError(f"{left!r} or {right!r}: {error}") from None


def compare_go(left: str, right: str) -> int:
    return compare_semver(_go(left), _go(right))


def _go(version: str) -> str:
    plain = version[1:] if version.startswith("v") else version
    return plain.removesuffix("+incompatible")


# --- apk ---------------------------------------------------------------------------------------------
# apk-tools src/version.c: a version is read as tokens; each token's kind decides what may follow and
# how two versions compare where they differ.

_PRE_SUFFIXES = ("alpha", "beta", "pre", "rc")
_POST_SUFFIXES = ("cvs", "svn", "git", "hg", "p")
_APK_TOKEN = re.compile(r"(\d+)|([a-z])|_([a-z]+)(\d*)|-r(\d+)|\.")

# token kinds, in the order apk-tools gives them
_DIGIT, _LETTER, _SUFFIX, _REVISION, _END = range(5)


def compare_apk(left: str, right: str) -> int:
    a, b = _apk_tokens(left), _apk_tokens(right)
    for (kind_a, value_a), (kind_b, value_b) in zip(a, b, strict=False):
        if kind_a != kind_b:
            return _apk_kind_order(kind_a, value_a, kind_b, value_b)
        if value_a != value_b:
            return -1 if value_a < value_b else 1
    if len(a) == len(b):
        return 0
    # one ran out: the longer is greater, unless what it continues with is a pre-release suffix
    longer, sign = (a, 1) if len(a) > len(b) else (b, -1)
    kind, value = longer[min(len(a), len(b))]
    if kind == _SUFFIX and value[0] < 0:
        return -sign
    return sign


def _apk_kind_order(kind_a: int, value_a: tuple[int, ...], kind_b: int, value_b: tuple[int, ...]) -> int:
    """Different token kinds at the same place. A pre-release suffix is below everything; otherwise a
    digit (a further version component) is above a letter, a suffix, a revision or the end."""
    if kind_a == _SUFFIX and value_a[0] < 0:
        return -1
    if kind_b == _SUFFIX and value_b[0] < 0:
        return 1
    return -1 if kind_a > kind_b else 1


@functools.lru_cache(maxsize=65536)
def _apk_tokens(version: str) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """(kind, comparable value) per token. Digits after a dot that start with 0 compare as fractions
    (apk's Gentoo rule: `1.01` < `1.1`, `1.01` > `1.001`)."""
    tokens: list[tuple[int, tuple[int, ...]]] = []
    position = 0
    after_dot = False
    while position < len(version):
        match = _APK_TOKEN.match(version, position)
        if match is None:
            raise VersionError(f"{version!r} is not an apk version (at {version[position:]!r})")
        digits, letter, suffix, suffix_number, revision = match.groups()
        if digits is not None:
            if after_dot and digits.startswith("0") and len(digits) > 1:
                # fractional comparison: fewer leading zeros is greater, then the digits themselves
                stripped = digits.lstrip("0")
                tokens.append((_DIGIT, (-(len(digits) - len(stripped)), int(stripped or "0"))))
            else:
                tokens.append((_DIGIT, (0, int(digits))))
        elif letter is not None:
            tokens.append((_LETTER, (ord(letter),)))
        elif suffix is not None:
            if suffix in _PRE_SUFFIXES:
                rank = _PRE_SUFFIXES.index(suffix) - len(_PRE_SUFFIXES)
            elif suffix in _POST_SUFFIXES:
                rank = _POST_SUFFIXES.index(suffix) + 1
            else:
                raise VersionError(f"{version!r}: unknown apk suffix _{suffix}")
            tokens.append((_SUFFIX, (rank, int(suffix_number or "0"))))
        elif revision is not None:
            tokens.append((_REVISION, (int(revision),)))
        after_dot = match.group(0) == "."
        position = match.end()
    if not tokens or tokens[0][0] != _DIGIT:
        raise VersionError(f"{version!r} is not an apk version")
    return tuple(tokens)


_COMPARATORS: dict[str, Callable[[str, str], int]] = {
    "debian": compare_dpkg,
    "ubuntu": compare_dpkg,
    "alpine": compare_apk,
    "wolfi": compare_apk,
    "chainguard": compare_apk,
    "pypi": compare_pep440,
    "npm": compare_semver,
    "crates.io": compare_semver,
    "go": compare_go,
}
