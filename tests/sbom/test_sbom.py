"""Packages read from layers: every database format, the final filesystem's view across layers, purls,
and the outputs, validated with the formats' official tools (CycloneDX 1.6 schema, spdx-tools)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwise.image.archive import open_image
from dockwise.sbom.formats import render_cyclonedx, render_json, render_spdx, render_table
from dockwise.sbom.inventory import inventory
from dockwise.sbom.readers import read, wants
from tests.image.builders import layer_tar, write_archive

DPKG_STATUS = b"""\
Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u7
Description: GNU C Library
 shared libraries

Package: bsdutils
Status: install ok installed
Architecture: amd64
Source: util-linux (2.38.1-5+deb12u3)
Version: 1:2.38.1-5+deb12u3

Package: removed-one
Status: deinstall ok config-files
Version: 1.0
"""
APK_INSTALLED = b"""\
C:Q1abc=
P:musl
V:1.2.5-r0
A:x86_64
L:MIT
o:musl

P:libcrypto3
V:3.3.2-r0
A:x86_64
L:Apache-2.0
o:openssl
"""
OS_RELEASE = (
    b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
)
METADATA = b"Metadata-Version: 2.1\nName: Flask_Login\nVersion: 0.6.3\nLicense: MIT\n\nlong description\n"
PACKAGE_JSON = b'{"name": "@babel/core", "version": "7.24.0", "license": "MIT"}'


def test_each_database_format() -> None:
    assert [
        (r.name, r.version, r.source_name, r.source_version) for r in read("var/lib/dpkg/status", DPKG_STATUS)
    ] == [
        ("libc6", "2.36-9+deb12u7", "glibc", "2.36-9+deb12u7"),
        ("bsdutils", "1:2.38.1-5+deb12u3", "util-linux", "2.38.1-5+deb12u3"),
    ], "config-files stanzas are removed packages"
    assert [
        (r.name, r.version, r.source_name, r.license) for r in read("lib/apk/db/installed", APK_INSTALLED)
    ] == [
        ("musl", "1.2.5-r0", "musl", "MIT"),
        ("libcrypto3", "3.3.2-r0", "openssl", "Apache-2.0"),
    ]
    (os_record,) = read("etc/os-release", OS_RELEASE)
    assert (os_record.type, os_record.name, os_record.version, os_record.source_name) == (
        "os",
        "debian",
        "12",
        "bookworm",
    )
    (python,) = read("usr/lib/python3/dist-packages/Flask_Login-0.6.3.dist-info/METADATA", METADATA)
    assert (python.type, python.name, python.version, python.license) == (
        "pypi",
        "Flask_Login",
        "0.6.3",
        "MIT",
    )
    (node,) = read("app/node_modules/@babel/core/package.json", PACKAGE_JSON)
    assert (node.type, node.name, node.version) == ("npm", "@babel/core", "7.24.0")
    distroless = read(
        "var/lib/dpkg/status.d/tzdata", b"Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n"
    )
    assert [(r.name, r.version) for r in distroless] == [("tzdata", "2024a-0+deb12u1")], (
        "status.d stanzas lack Status"
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("var/lib/dpkg/status", True),
        ("var/lib/dpkg/status-old", False),
        ("var/lib/dpkg/status.d/base", True),
        ("var/lib/dpkg/status.d/base.md5sums", False),
        ("usr/lib/python3.12/site-packages/requests-2.31.0.dist-info/METADATA", True),
        ("usr/lib/python3.12/site-packages/foo/METADATA", False),
        ("usr/lib/python3/dist-packages/six-1.16.0.egg-info", True),
        ("app/node_modules/express/package.json", True),
        ("app/node_modules/express/lib/package.json", False),
        ("app/package.json", False),
        ("lib/apk/db/installed", True),
    ],
)
def test_which_files_are_package_databases(path: str, expected: bool) -> None:
    assert wants(path, 100) is expected


def test_a_nested_package_json_is_not_a_package() -> None:
    assert read("app/node_modules/express/lib/package.json", b'{"name": "express", "version": "1"}') == []
    assert read("app/node_modules/express/package.json", b'{"name": "other", "version": "1"}') == []


def _image(tmp_path: Path) -> Path:
    status_v2 = DPKG_STATUS + b"\nPackage: curl\nStatus: install ok installed\nVersion: 7.88.1-10+deb12u5\n"
    layers = [
        layer_tar([("etc/os-release", OS_RELEASE), ("var/lib/dpkg/status", DPKG_STATUS)]),
        layer_tar([("var/lib/dpkg/status", status_v2)]),
        layer_tar(
            [
                ("app/node_modules/@babel/core/package.json", PACKAGE_JSON),
                ("app/node_modules/left-pad/package.json", b'{"name": "left-pad", "version": "1.3.0"}'),
                ("usr/local/lib/python3.12/site-packages/Flask_Login-0.6.3.dist-info/METADATA", METADATA),
            ]
        ),
        layer_tar([("app/node_modules/.wh.left-pad", b"")]),
    ]
    history = [
        "ADD rootfs /",
        'CMD ["bash"]',
        "RUN apt-get install curl",
        "COPY app /app",
        "RUN rm -r left-pad",
    ]
    return write_archive(tmp_path / "i.tar", layers, history)


def test_the_inventory_is_the_final_filesystem_s(tmp_path: Path) -> None:
    found = inventory(open_image(str(_image(tmp_path))))
    assert found.distribution is not None
    assert (found.distribution.id, found.distribution.version, found.distribution.osv_ecosystem) == (
        "debian",
        "12",
        "Debian:12",
    )
    assert [(p.type, p.name, p.version, p.layer) for p in found.packages] == [
        ("deb", "bsdutils", "1:2.38.1-5+deb12u3", 0),
        ("deb", "curl", "7.88.1-10+deb12u5", 1),
        ("deb", "libc6", "2.36-9+deb12u7", 0),
        ("npm", "@babel/core", "7.24.0", 2),
        ("pypi", "Flask_Login", "0.6.3", 2),
    ], "left-pad was deleted; base packages keep the base layer although layer 2 rewrote the status file"
    purls = {p.name: p.purl for p in found.packages}
    assert (
        purls["bsdutils"]
        == "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12&upstream=util-linux"
    )
    assert purls["@babel/core"] == "pkg:npm/%40babel/core@7.24.0"
    assert purls["Flask_Login"] == "pkg:pypi/flask-login@0.6.3"


def test_outputs_validate_against_the_official_tools(tmp_path: Path) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    found = inventory(open_image(str(_image(tmp_path))))
    cyclonedx = render_cyclonedx(found, "app:1")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(cyclonedx) is None
    components = json.loads(cyclonedx)["components"]
    assert {c["name"] for c in components} == {
        "debian",
        "bsdutils",
        "curl",
        "libc6",
        "@babel/core",
        "Flask_Login",
    }

    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    spdx_path = tmp_path / "sbom.spdx.json"
    spdx_path.write_text(render_spdx(found, "app:1"))
    document = parse_file(str(spdx_path))
    assert validate_full_spdx_document(document) == []
    declared = {p.name: str(p.license_declared) for p in document.packages}
    assert declared["Flask_Login"] == "MIT"

    rows = json.loads(render_json(found, "app:1"))["packages"]
    assert rows[0]["path"] == "/var/lib/dpkg/status"
    table = render_table(found, "app:1")
    assert table.startswith("app:1: 5 packages on debian 12")
    assert "bsdutils" in table
    assert "util-linux" in table
