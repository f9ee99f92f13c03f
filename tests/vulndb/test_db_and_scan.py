"""`dockwise db update` against a local server serving OSV-shaped zips (conditional refresh, corrupt and
truncated downloads, atomic replacement, --from-dir), and `dockwise scan` end to end: exactly the
expected advisories, ignore files with expiry, --ignore-unfixed, --fail-on, JSON, SARIF, SBOM input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from dockwise.cli import main
from dockwise.vulndb.store import AdvisoryDatabase, DatabaseError
from dockwise.vulndb.update import update
from tests.conftest import require_shared
from tests.image.builders import layer_tar, write_archive
from tests.vulndb.fixtures import CRITICAL, HIGH, MEDIUM, osv_server, osv_zip, record

DEBIAN = [
    record(
        "DEBIAN-CVE-2026-0001",
        "Debian:12",
        "glibc",
        {"introduced": "0"},
        {"fixed": "2.36-9+deb12u9"},
        severity=CRITICAL,
        aliases=("CVE-2026-0001",),
    ),
    record(
        "DEBIAN-CVE-2026-0002",
        "Debian:12",
        "glibc",
        {"introduced": "0"},
        {"fixed": "2.36-9+deb12u4"},
        severity=HIGH,
        summary="already fixed in the installed version",
    ),
    record(
        "DEBIAN-CVE-2026-0003",
        "Debian:11",
        "glibc",
        {"introduced": "0"},
        {"fixed": "2.31-13+deb11u99"},
        severity=HIGH,
        summary="another release",
    ),
    record(
        "DEBIAN-CVE-2026-0004",
        "Debian:12",
        "util-linux",
        {"introduced": "0"},
        severity=MEDIUM,
        aliases=("CVE-2026-0004",),
        summary="no fix yet",
    ),
    record(
        "DEBIAN-CVE-2026-0005",
        "Debian:12",
        "bsdutils",
        {"introduced": "0"},
        severity=CRITICAL,
        summary="names the binary package, not the source: never matches",
    ),
    record(
        "DEBIAN-CVE-2026-0006", "Debian:12", "glibc", {"introduced": "0"}, severity=CRITICAL, withdrawn=True
    ),
]
PYPI = [
    record(
        "GHSA-aaaa-bbbb-cccc",
        "PyPI",
        "requests",
        {"introduced": "0"},
        {"fixed": "2.20.0"},
        severity=HIGH,
        aliases=("CVE-2018-18074",),
    ),
    record("PYSEC-2099-1", "PyPI", "requests", {"introduced": "3.0"}, {"fixed": "3.1"}, severity=CRITICAL),
]
NPM = [
    record(
        "GHSA-npm1-npm1-npm1",
        "npm",
        "lodash",
        {"introduced": "0"},
        {"fixed": "4.17.21"},
        kind="SEMVER",
        severity=CRITICAL,
        aliases=("CVE-2021-23337",),
    )
]
EXPECTED = {
    ("DEBIAN-CVE-2026-0001", "libc6", "CRITICAL", "2.36-9+deb12u9"),
    ("DEBIAN-CVE-2026-0004", "bsdutils", "MEDIUM", None),
    ("GHSA-aaaa-bbbb-cccc", "requests", "HIGH", "2.20.0"),
    ("GHSA-npm1-npm1-npm1", "lodash", "CRITICAL", "4.17.21"),
}
STATUS = b"""\
Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u7

Package: bsdutils
Status: install ok installed
Architecture: amd64
Source: util-linux (2.38.1-5+deb12u3)
Version: 1:2.38.1-5+deb12u3
"""


def _files() -> dict[str, bytes]:
    return {"/Debian/all.zip": osv_zip(DEBIAN), "/PyPI/all.zip": osv_zip(PYPI), "/npm/all.zip": osv_zip(NPM)}


def _image(tmp_path: Path) -> Path:
    layers = [
        layer_tar([("etc/os-release", b'ID=debian\nVERSION_ID="12"\n'), ("var/lib/dpkg/status", STATUS)]),
        layer_tar(
            [
                (
                    "usr/local/lib/python3.12/site-packages/requests-2.19.0.dist-info/METADATA",
                    b"Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\n",
                ),
                ("app/node_modules/lodash/package.json", b'{"name": "lodash", "version": "4.17.15"}'),
            ]
        ),
    ]
    return write_archive(tmp_path / "image.tar", layers, ["ADD rootfs /", "COPY . /"])


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "osv.sqlite"
    with osv_server(_files()) as (url, _):
        monkeypatch.setenv("DOCKWISE_OSV_URL", url)
        update(path, ["Debian", "PyPI", "npm"])
    return path


def test_update_downloads_then_refreshes_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "osv.sqlite"
    with osv_server(_files()) as (url, handler):
        monkeypatch.setenv("DOCKWISE_OSV_URL", url)
        first = update(path, ["Debian", "PyPI"])
        assert [(o.ecosystem, o.status, o.records) for o in first] == [
            ("Debian", "updated", 5),
            ("PyPI", "updated", 2),
        ]
        handler.files["/PyPI/all.zip"] = osv_zip(PYPI[:1])
        second = update(path, ["Debian", "PyPI"])
        assert [(o.ecosystem, o.status, o.records) for o in second] == [
            ("Debian", "unchanged", 0),
            ("PyPI", "updated", 1),
        ]
        assert handler.requests[2][1] is not None, "the refresh sent the ETag it was given"
    database = AdvisoryDatabase(path)
    assert {e: n for e, n, _ in database.sources()} == {"Debian": 5, "PyPI": 1}
    assert [a for a, _, _ in database.affected("PyPI", "Requests")] == ["GHSA-aaaa-bbbb-cccc"], (
        "PEP 503 names"
    )


@pytest.mark.parametrize("breakage", ["corrupt", "truncated", "missing", "not json"])
def test_a_failed_update_leaves_the_database_as_it_was(
    breakage: str, database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = database.read_bytes()
    files = _files()
    if breakage == "corrupt":
        data = bytearray(files["/PyPI/all.zip"])
        data[60] ^= 0xFF  # inside the first member's compressed data: its CRC fails
        files["/PyPI/all.zip"] = bytes(data)
    elif breakage == "missing":
        del files["/PyPI/all.zip"]
    elif breakage == "not json":
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("BAD.json", "{not json")
        files["/PyPI/all.zip"] = buffer.getvalue()
    with osv_server(files) as (url, handler):
        if breakage == "truncated":
            handler.files["/PyPI/all.zip"] = osv_zip(PYPI[:1])  # new content, so no 304
            handler.short.add("/PyPI/all.zip")
        monkeypatch.setenv("DOCKWISE_OSV_URL", url)
        handler.files["/Debian/all.zip"] = osv_zip(DEBIAN[:1])  # would change Debian, if the update succeeded
        with pytest.raises(DatabaseError):
            update(database, ["Debian", "PyPI"])
    assert database.read_bytes() == before
    assert not [p for p in database.parent.iterdir() if p.name.startswith(".")], "no temporary file left"


def test_from_dir_imports_downloaded_zips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "zips"
    (folder / "npm").mkdir(parents=True)
    (folder / "Debian.zip").write_bytes(osv_zip(DEBIAN))
    (folder / "npm" / "all.zip").write_bytes(osv_zip(NPM))
    path = tmp_path / "db.sqlite"
    assert (
        main(
            [
                "db",
                "update",
                "--from-dir",
                str(folder),
                "--ecosystem",
                "Debian",
                "--ecosystem",
                "npm",
                "--db",
                str(path),
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == "Debian: imported, 5 advisories\nnpm: imported, 1 advisories\n"
    assert main(["db", "status", "--db", str(path)]) == 0
    assert "Debian" in capsys.readouterr().out
    assert main(["db", "update", "--from-dir", str(folder), "--ecosystem", "PyPI", "--db", str(path)]) == 2


def test_scan_finds_exactly_the_expected_advisories(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    image = _image(tmp_path)
    assert main(["scan", str(image), "--db", str(database), "--format", "json", "--no-cache"]) == 0
    document = json.loads(capsys.readouterr().out)
    found = {(v["advisory"], v["package"], v["severity"], v["fixed"]) for v in document["vulnerabilities"]}
    assert found == EXPECTED
    libc = next(v for v in document["vulnerabilities"] if v["package"] == "libc6")
    assert (libc["compared_version"], libc["score"], libc["aliases"]) == (
        "2.36-9+deb12u7",
        9.8,
        ["CVE-2026-0001"],
    )
    assert main(["scan", str(image), "--db", str(database), "--fail-on", "critical", "--no-cache"]) == 1
    table = capsys.readouterr().out
    assert table.startswith(f"{image}: 4 vulnerabilities (2 critical, 1 high, 1 medium); 0 ignored")
    assert (
        main(
            ["scan", str(image), "--db", str(database), "--ignore-unfixed", "--format", "json", "--no-cache"]
        )
        == 0
    )
    assert {v["advisory"] for v in json.loads(capsys.readouterr().out)["vulnerabilities"]} == {
        a for a, _, _, fixed in EXPECTED if fixed
    }


def test_ignore_files_with_expiry(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    image = _image(tmp_path)
    (tmp_path / ".trivyignore").write_text("CVE-2021-23337 exp:2099-01-01  # lodash: not reachable\n")
    (tmp_path / ".dockwiseignore").write_text(
        "# accepted until the rebuild\nCVE-2026-0001 exp:2020-01-01\nGHSA-aaaa-bbbb-cccc\n"
    )
    assert (
        main(
            ["scan", str(image), "--db", str(database), "--format", "json", "--fail-on", "high", "--no-cache"]
        )
        == 1
    )
    document = json.loads(capsys.readouterr().out)
    assert {v["advisory"] for v in document["vulnerabilities"]} == {
        "DEBIAN-CVE-2026-0001",
        "DEBIAN-CVE-2026-0004",
    }
    assert document["ignored"] == 2, "lodash by its CVE alias, requests by its id"
    assert document["expired_ignores"] == [
        {"advisory": "CVE-2026-0001", "expired": "2020-01-01", "where": ".dockwiseignore:2"}
    ]
    (tmp_path / ".dockwiseignore").write_text("CVE-2026-0001 until-friday\n")
    assert main(["scan", str(image), "--db", str(database), "--no-cache"]) == 2
    assert "expected `ID [exp:YYYY-MM-DD]`" in capsys.readouterr().err


def test_sarif_validates_and_sboms_scan_like_the_image(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    image = _image(tmp_path)
    assert main(["scan", str(image), "--db", str(database), "--format", "sarif", "--no-cache"]) == 0
    sarif = json.loads(capsys.readouterr().out)
    jsonschema.validate(
        sarif, json.loads(require_shared("schemas/sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    )
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {a for a, _, _, _ in EXPECTED}
    for form in ("json", "cyclonedx"):
        assert main(["sbom", str(image), "--format", form, "--no-cache"]) == 0
        sbom = tmp_path / f"sbom.{form}.json"
        sbom.write_text(capsys.readouterr().out)
        assert main(["scan", str(sbom), "--db", str(database), "--format", "json"]) == 0
        found = {
            (v["advisory"], v["package"]) for v in json.loads(capsys.readouterr().out)["vulnerabilities"]
        }
        expected = {(a, p) for a, p, _, _ in EXPECTED}
        if form == "cyclonedx":  # no source version in a purl: the binary's version stands in
            assert found == expected
        else:
            assert found == expected


def test_scan_without_a_database_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(_image(tmp_path)), "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "run `dockwise db update` first" in capsys.readouterr().err


def test_download_bars_draw_each_ecosystem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from dockwise.image import progress

    screen = io.StringIO()
    original = progress.ByteProgress
    monkeypatch.setattr(
        progress,
        "ByteProgress",
        lambda label: original(label, console=Console(file=screen, force_terminal=True)),
    )
    bars = progress.DownloadBars()
    with osv_server(_files()) as (url, _):
        monkeypatch.setenv("DOCKWISE_OSV_URL", url)
        update(tmp_path / "db.sqlite", ["Debian", "npm"], progress=bars)
    bars.close()
    assert "downloading Debian" in screen.getvalue()
    assert "downloading npm" in screen.getvalue()


def test_ubuntu_lts_advisories_belong_to_their_release(tmp_path: Path) -> None:
    from dockwise.sbom.inventory import Distribution, Inventory, Package
    from dockwise.vulndb.match import match
    from dockwise.vulndb.store import create, store_records

    path = tmp_path / "db.sqlite"
    connection = create(path)
    store_records(
        connection,
        "Ubuntu",
        [
            record(
                "UBUNTU-1", "Ubuntu:22.04:LTS", "openssl", {"introduced": "0"}, {"fixed": "3.0.2-0ubuntu1.15"}
            ),
            record("UBUNTU-2", "Ubuntu:Pro:22.04:LTS", "openssl", {"introduced": "0"}),
            record("UBUNTU-3", "Ubuntu:24.04:LTS", "openssl", {"introduced": "0"}),
        ],
    )
    connection.commit()
    connection.close()
    package = Package(
        "deb", "libssl3", "3.0.2-0ubuntu1.10", "var/lib/dpkg/status", 0, "openssl", "3.0.2-0ubuntu1.10"
    )
    result = match(Inventory(Distribution("ubuntu", "22.04"), [package]), AdvisoryDatabase(path))
    assert [(f.advisory, f.fixed) for f in result.findings] == [("UBUNTU-1", "3.0.2-0ubuntu1.15")]
