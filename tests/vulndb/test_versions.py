"""Version ordering, table-driven, with the tricky cases from the research (verified against the
ecosystems' own tools): a wrong answer here is a false positive or a missed advisory."""

from __future__ import annotations

import pytest

from dockwise.vulndb.versions import VersionError, compare

CASES = [
    # dpkg
    ("Debian", "1.0~rc1", "1.0", -1),
    ("Debian", "1.0~~", "1.0~", -1),
    ("Debian", "1.0.0~beta", "1.0", 1),
    ("Debian", "1.0", "1.0-0", 0),
    ("Debian", "0:1.0", "1.0", 0),
    ("Debian", "1:0.9", "2.0", 1),
    ("Debian", "1.0", "1.0a", -1),
    ("Debian", "1.0a", "1.0+", -1),
    ("Debian", "1.0", "1.0+b1", -1),
    ("Debian", "1.01", "1.1", 0),
    ("Debian:12", "7.88.1-10+deb12u5", "7.88.1-10+deb12u12", -1),
    ("Debian", "9.18.28-1~deb12u2", "9.18.28-1", -1),
    ("Ubuntu:22.04:LTS", "2.0-1", "2.0-1ubuntu1", -1),
    ("Debian", "1.0-1.1", "1.0-1+b1", 1),
    ("Debian", "1.2.13.dfsg-1", "1.2.13-1", 1),
    # apk
    ("Alpine", "1.2.3_rc1-r0", "1.2.3-r0", -1),
    ("Alpine", "1.2.3_alpha", "1.2.3_beta", -1),
    ("Alpine", "1.2.3_pre", "1.2.3_rc", -1),
    ("Alpine", "1.2.3", "1.2.3_p1", -1),
    ("Alpine", "1.2.3_p1", "1.2.3.1", -1),
    ("Alpine", "1.2.3_git20200101", "1.2.3", 1),
    ("Alpine", "1.2.3_cvs", "1.2.3_svn", -1),
    ("Alpine", "1.2.3_hg", "1.2.3_p", -1),
    ("Alpine:v3.20", "1.2.3-r9", "1.2.3-r10", -1),
    ("Alpine", "3.0.8-r3", "3.0.10-r0", -1),
    ("Alpine", "1.0", "1.0-r0", -1),
    ("Alpine", "1.0", "1.0.0", -1),
    ("Alpine", "1.6-r0", "1.6_rc1-r0", 1),
    ("Alpine", "1.2.3a", "1.2.3", 1),
    ("Alpine", "1.0.01", "1.0.1", -1),
    ("Alpine", "1.0.01", "1.0.001", 1),
    ("Alpine", "2.36.1-r1", "2.36.1-r1", 0),
    # PEP 440
    ("PyPI", "1.0.dev1", "1.0a1", -1),
    ("PyPI", "1.0a1", "1.0b1", -1),
    ("PyPI", "1.0rc1", "1.0", -1),
    ("PyPI", "1.0", "1.0.post1", -1),
    ("PyPI", "1.0.post1.dev1", "1.0.post1", -1),
    ("PyPI", "1.0+local", "1.0", 1),
    ("PyPI", "1!0.1", "2.0", 1),
    ("PyPI", "1.0-1", "1.0.post1", 0),
    ("PyPI", "v1.0", "1.0.0", 0),
    # SemVer
    ("npm", "1.0.0+b1", "1.0.0+b2", 0),
    ("npm", "1.0.0-alpha", "1.0.0", -1),
    ("npm", "1.0.0-1", "1.0.0-alpha", -1),
    ("npm", "1.0.0-beta.2", "1.0.0-beta.11", -1),
    ("crates.io", "1.0.0-alpha.1", "1.0.0-alpha.beta", -1),
    # Go
    ("Go", "v0.0.0-20210101000000-abcdef123456", "v0.1.0", -1),
    ("Go", "v2.0.0+incompatible", "v2.0.0", 0),
    ("Go", "1.21.5", "v1.21.10", -1),
]


@pytest.mark.parametrize(("ecosystem", "left", "right", "expected"), CASES)
def test_ordering(ecosystem: str, left: str, right: str, expected: int) -> None:
    assert compare(ecosystem, left, right) == expected
    assert compare(ecosystem, right, left) == -expected, "antisymmetric"


@pytest.mark.parametrize(
    ("ecosystem", "version"),
    [("PyPI", "2.0.0.RELEASE"), ("Alpine", "1.0_weird"), ("Alpine", "abc"), ("npm", "1.0"), ("Maven", "1.0")],
)
def test_versions_an_ecosystem_cannot_order_are_errors(ecosystem: str, version: str) -> None:
    with pytest.raises(VersionError):
        compare(ecosystem, version, "1.0.0")
