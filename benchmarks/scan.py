"""Match 1,000 packages against an advisory database the size of OSV's Debian, PyPI and npm exports.

The real exports cannot be downloaded here, so the database is synthesised with their shape and size
(counts below, from OSV in late 2026: Debian's DEBIAN-CVE records over its source packages, PyPI's
PYSEC/GHSA records, npm's GHSA and MAL records), several advisories per package as in the real data, each
with ECOSYSTEM or SEMVER ranges and CVSS vectors. The 1,000 packages are a Debian image's 400 binary
packages (matched by source package), 300 PyPI and 300 npm packages, all named in the database.

    python benchmarks/scan.py [--debian 60000] [--pypi 20000] [--npm 220000]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "src"))
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"


def records(ecosystem: str, count: int, packages: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    for number in range(count):
        name = f"{ecosystem.lower()}-pkg-{rng.randrange(packages)}"
        if ecosystem == "Debian":
            events = [
                {"introduced": "0"},
                {"fixed": f"{rng.randrange(1, 9)}.{rng.randrange(20)}-1+deb12u{rng.randrange(9)}"},
            ]
            full, kind = "Debian:12", "ECOSYSTEM"
        elif ecosystem == "PyPI":
            events = [
                {"introduced": "0"},
                {"fixed": f"{rng.randrange(1, 9)}.{rng.randrange(20)}.{rng.randrange(9)}"},
            ]
            full, kind = "PyPI", "ECOSYSTEM"
        else:
            events = [
                {"introduced": "0"},
                {"fixed": f"{rng.randrange(1, 9)}.{rng.randrange(20)}.{rng.randrange(9)}"},
            ]
            full, kind = "npm", "SEMVER"
        yield {
            "id": f"{ecosystem.upper()}-SYN-{number}",
            "aliases": [f"CVE-2026-{number}"],
            "summary": "synthetic advisory",
            "severity": [{"type": "CVSS_V3", "score": VECTOR}],
            "affected": [
                {"package": {"ecosystem": full, "name": name}, "ranges": [{"type": kind, "events": events}]}
            ],
        }


def build(path: Path, sizes: dict[str, tuple[int, int]]) -> None:
    from dockwise.vulndb.store import create, store_records

    rng = random.Random(7)
    connection = create(path)
    for ecosystem, (count, packages) in sizes.items():
        store_records(connection, ecosystem, records(ecosystem, count, packages, rng))
        connection.execute("INSERT INTO sources VALUES (?, NULL, NULL, ?, 'synthetic')", (ecosystem, count))
    connection.commit()
    connection.close()


def inventory(sizes: dict[str, tuple[int, int]]) -> Any:
    from dockwise.sbom.inventory import Distribution, Inventory, Package

    rng = random.Random(11)
    packages = []
    for number in range(400):
        source = f"debian-pkg-{rng.randrange(sizes['Debian'][1])}"
        packages.append(
            Package(
                "deb", f"bin-{number}", "1.2-3+deb12u1", "var/lib/dpkg/status", 0, source, "1.2-3+deb12u1"
            )
        )
    for _ in range(300):
        packages.append(
            Package("pypi", f"pypi-pkg-{rng.randrange(sizes['PyPI'][1])}", "2.0.1", "x/METADATA", 1)
        )
    for _ in range(300):
        packages.append(
            Package("npm", f"npm-pkg-{rng.randrange(sizes['npm'][1])}", "3.1.0", "x/package.json", 2)
        )
    return Inventory(Distribution("debian", "12", "bookworm"), packages)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--debian", type=int, default=60_000)
    parser.add_argument("--pypi", type=int, default=20_000)
    parser.add_argument("--npm", type=int, default=220_000)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args(argv)
    sizes = {
        "Debian": (arguments.debian, 4_000),
        "PyPI": (arguments.pypi, 8_000),
        "npm": (arguments.npm, 150_000),
    }
    from dockwise.vulndb.match import match
    from dockwise.vulndb.store import AdvisoryDatabase

    with tempfile.TemporaryDirectory(prefix="dockwise-bench-scan-") as folder:
        path = Path(folder) / "osv.sqlite"
        started = time.perf_counter()
        build(path, sizes)
        built = time.perf_counter() - started
        packages = inventory(sizes)
        timings, findings = [], 0
        for _ in range(arguments.runs):
            database = AdvisoryDatabase(path)  # a fresh connection each run: no warm statement cache
            started = time.perf_counter()
            result = match(packages, database)
            timings.append(time.perf_counter() - started)
            findings = len(result.findings)
            database.close()
        rows = sqlite3.connect(path).execute("SELECT COUNT(*) FROM affected").fetchone()[0]
        size = path.stat().st_size
    print(
        f"{datetime.date.today().isoformat()} on {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    advisories = sum(count for count, _ in sizes.values())
    print(
        f"database: {advisories:,} advisories, {rows:,} affected entries, {size / 1e6:.0f} MB, "
        f"built in {built:.1f} s"
    )
    median = sorted(timings)[len(timings) // 2]
    print(
        f"matching {len(packages.packages):,} packages: best {min(timings):.3f} s, median {median:.3f} s, "
        f"{findings:,} findings (target 0.5 s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
