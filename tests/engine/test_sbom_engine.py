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


def test_sbom_matches_dpkg_query(engine: Engine, debian_image: str, tmp_path: Path) -> None:
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
        f"FROM {debian_image}\n"
        "COPY dist/ /usr/local/lib/python3.11/site-packages/\n"
        "COPY node_modules/ /app/node_modules/\n"
    )
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
