"""OSV's evaluation rules and severities, table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from dockwise.vulndb.osv import evaluate, severity
from dockwise.vulndb.versions import VersionError


def _affected(
    *events: dict[str, str], kind: str = "ECOSYSTEM", versions: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {"ranges": [{"type": kind, "events": list(events)}], "versions": list(versions)}


CASES = [
    # (ecosystem, affected entry, version, affected?, fixed)
    (
        "Debian:12",
        _affected({"introduced": "0"}, {"fixed": "2.36-9+deb12u4"}),
        "2.36-9+deb12u3",
        True,
        "2.36-9+deb12u4",
    ),
    ("Debian:12", _affected({"introduced": "0"}, {"fixed": "2.36-9+deb12u4"}), "2.36-9+deb12u4", False, None),
    ("Debian:12", _affected({"introduced": "0"}), "1:2.38.1-5", True, None),
    ("PyPI", _affected({"introduced": "2.0"}, {"fixed": "2.20.0"}), "1.9", False, None),
    ("PyPI", _affected({"introduced": "2.0"}, {"fixed": "2.20.0"}), "2.19.0", True, "2.20.0"),
    ("PyPI", _affected({"introduced": "0"}, {"last_affected": "1.4.2"}), "1.4.2", True, None),
    ("PyPI", _affected({"introduced": "0"}, {"last_affected": "1.4.2"}), "1.4.3", False, None),
    (
        "npm",
        _affected(
            {"introduced": "1.0.0"},
            {"fixed": "1.2.0"},
            {"introduced": "2.0.0"},
            {"fixed": "2.0.5"},
            kind="SEMVER",
        ),
        "2.0.1",
        True,
        "2.0.5",
    ),
    (
        "npm",
        _affected(
            {"introduced": "1.0.0"},
            {"fixed": "1.2.0"},
            {"introduced": "2.0.0"},
            {"fixed": "2.0.5"},
            kind="SEMVER",
        ),
        "1.5.0",
        False,
        None,
    ),
    ("npm", _affected({"introduced": "0"}, {"limit": "3.0.0"}, kind="SEMVER"), "3.1.0", False, None),
    ("npm", _affected({"introduced": "0"}, {"limit": "3.0.0"}, kind="SEMVER"), "2.9.9", True, None),
    ("Alpine:v3.20", _affected({"introduced": "0"}, {"fixed": "1.6_rc1-r0"}), "1.6-r0", False, None),
    ("PyPI", _affected({"introduced": "5.0"}, versions=("4.1",)), "4.1", True, None),
    (
        "PyPI",
        {"ranges": [{"type": "GIT", "repo": "x", "events": [{"introduced": "abc"}]}]},
        "1.0",
        False,
        None,
    ),
]


@pytest.mark.parametrize(("ecosystem", "affected", "version", "expected", "fixed"), CASES)
def test_evaluation(
    ecosystem: str, affected: dict[str, Any], version: str, expected: bool, fixed: str | None
) -> None:
    verdict = evaluate(affected, ecosystem, version)
    assert (verdict.affected, verdict.fixed) == (expected, fixed)


def test_a_version_the_ecosystem_cannot_order_is_an_error_not_a_no() -> None:
    with pytest.raises(VersionError):
        evaluate(_affected({"introduced": "1.0"}, {"fixed": "2.0"}), "PyPI", "2.0.0.RELEASE")


@pytest.mark.parametrize(
    ("record", "affected", "expected"),
    [
        (
            {"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]},
            {},
            ("CRITICAL", 9.8),
        ),
        (
            {"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"}]},
            {},
            ("LOW", 1.8),
        ),
        ({}, {"severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}]}, ("HIGH", 7.5)),
        (
            {
                "severity": [
                    {
                        "type": "CVSS_V4",
                        "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                    }
                ]
            },
            {},
            ("CRITICAL", 9.3),
        ),
        ({"database_specific": {"severity": "MODERATE"}}, {}, ("MEDIUM", None)),
        ({}, {"ecosystem_specific": {"urgency": "high*"}}, ("HIGH", None)),
        ({}, {"ecosystem_specific": {"urgency": "not yet assigned"}}, ("UNKNOWN", None)),
        ({"severity": [{"type": "CVSS_V3", "score": "garbage"}]}, {}, ("UNKNOWN", None)),
    ],
)
def test_severity(
    record: dict[str, Any], affected: dict[str, Any], expected: tuple[str, float | None]
) -> None:
    assert severity(record, affected) == expected
