"""The SBOM of a real Debian image (debootstrap, made locally) with a Python and a Node package added:
every package dpkg-query lists inside the container, with its version, and the two added ones."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from dockwise.engine.images import read_engine_image
from dockwise.sbom.inventory import inventory
from tests.engine.conftest import Engine

pytestmark = pytest.mark.engine


def _project(tmp_path: Path, debian_image: str) -> Path:
    """The Debian base plus a Python package (requests 2.19.0) and a Node one (lodash 4.17.15)."""
    context = tmp_path / "ctx"
    (context / "dist" / "requests-2.19.0.dist-info").mkdir(parents=True)
    (context / "dist" / "requests-2.19.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\nLicense: Apache 2.0\n"
    )
    (context / "node_modules" / "lodash").mkdir(parents=True)
    (context / "node_modules" / "lodash" / "package.json").write_text(
        '{"name": "lodash", "version": "4.17.15"}'
    )
    (context / "Dockerfile").write_text(
        f"FROM {debian_image}\nCOPY dist/ /usr/local/lib/python3.11/site-packages/\n"
        "COPY node_modules/ /app/node_modules/\n"
    )
    return context


def test_sbom_matches_dpkg_query(engine: Engine, debian_image: str, tmp_path: Path) -> None:
    context = _project(tmp_path, debian_image)
    tag = f"dockwise-test/sbom:{uuid.uuid4().hex[:12]}"
    try:
        engine.build(context, tag)
        status, listing = engine.run(tag, ["dpkg-query", "-W", "-f", "${Package} ${Version}\\n"])
        found = inventory(read_engine_image(tag))
    finally:
        engine.remove_image(tag)
    assert status == 0
    expected = {tuple(line.split(" ", 1)) for line in listing.splitlines() if line}
    listed = {(p.name, p.version) for p in found.packages if p.type == "deb"}
    assert listed == expected
    assert len(listed) > 50
    assert {(p.type, p.name, p.version, p.layer) for p in found.packages if p.type != "deb"} == {
        ("pypi", "requests", "2.19.0", 1),
        ("npm", "lodash", "4.17.15", 2),
    }
    assert found.distribution is not None
    assert found.distribution.osv_ecosystem == "Debian:12"
    assert all(p.layer == 0 for p in found.packages if p.type == "deb"), "dpkg packages come from the base"


def test_scan_of_the_debian_image_finds_exactly_the_fixture_advisories(
    engine: Engine, debian_image: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Advisories written for the image's real source packages and versions, some affecting them and
    some not (fixed below the installed version, another release, a binary name, withdrawn)."""
    import json

    from dockwise.cli import main
    from dockwise.vulndb.update import update
    from tests.vulndb.fixtures import CRITICAL, HIGH, osv_zip, record

    base = {p.name: p for p in inventory(read_engine_image(debian_image)).packages}
    glibc, zlib = base["libc6"], base["zlib1g"]
    debian = [
        record(
            "DEBIAN-TEST-1",
            "Debian:12",
            glibc.source_name,
            {"introduced": "0"},
            {"fixed": glibc.source_version + "+fix1"},
            severity=CRITICAL,
        ),
        record(
            "DEBIAN-TEST-2",
            "Debian:12",
            glibc.source_name,
            {"introduced": "0"},
            {"fixed": "0.1-1"},
            severity=HIGH,
        ),
        record("DEBIAN-TEST-3", "Debian:11", glibc.source_name, {"introduced": "0"}, severity=HIGH),
        record("DEBIAN-TEST-4", "Debian:12", "libc6", {"introduced": "0"}, severity=HIGH),
        record("DEBIAN-TEST-5", "Debian:12", zlib.source_name, {"introduced": "0"}, severity=HIGH),
        record(
            "DEBIAN-TEST-6", "Debian:12", zlib.source_name, {"introduced": "0"}, severity=HIGH, withdrawn=True
        ),
    ]
    pypi = [
        record("PYSEC-TEST-1", "PyPI", "requests", {"introduced": "0"}, {"fixed": "2.20.0"}, severity=HIGH)
    ]
    npm = [
        record(
            "GHSA-test-test-test",
            "npm",
            "lodash",
            {"introduced": "0"},
            {"fixed": "4.17.21"},
            kind="SEMVER",
            severity=CRITICAL,
        )
    ]
    zips = tmp_path / "zips"
    zips.mkdir()
    for name, records in (("Debian", debian), ("PyPI", pypi), ("npm", npm)):
        (zips / f"{name}.zip").write_bytes(osv_zip(records))
    database = tmp_path / "osv.sqlite"
    update(database, ["Debian", "PyPI", "npm"], from_dir=zips)

    context = _project(tmp_path, debian_image)
    tag = f"dockwise-test/scan:{uuid.uuid4().hex[:12]}"
    try:
        engine.build(context, tag)
        code = main(
            ["scan", tag, "--db", str(database), "--format", "json", "--fail-on", "critical", "--no-cache"]
        )
    finally:
        engine.remove_image(tag)
    document = json.loads(capsys.readouterr().out)
    found = {(v["advisory"], v["package"]) for v in document["vulnerabilities"]}
    glibc_binaries = {p.name for p in base.values() if p.source_name == glibc.source_name}
    zlib_binaries = {p.name for p in base.values() if p.source_name == zlib.source_name}
    assert found == (
        {("DEBIAN-TEST-1", name) for name in glibc_binaries}
        | {("DEBIAN-TEST-5", name) for name in zlib_binaries}
        | {("PYSEC-TEST-1", "requests"), ("GHSA-test-test-test", "lodash")}
    )
    assert code == 1
