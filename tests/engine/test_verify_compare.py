"""`dockwise fix --multi-stage` proven with `dockwise verify --compare` on the engine: the Go, Python and
Node projects under projects/, each single-stage on the toolchain base (as on golang:/python:/node:), are
rewritten by the fix onto the distroless-like runtime bases (`--runtime-base`, as air-gapped teams point
it at their own images); both versions behave the same under every probe and the rewrite is at least 80%
smaller. A rewrite that breaks the service (a dynamically linked binary on the static base, a CMD the
base's ENTRYPOINT swallows) fails the comparison, and so does one that does not build (an original that
does not build is an error). Nothing is left on the engine."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dockwise.engine.session import LABEL, leftovers
from dockwise.verify.compare import CompareOptions, compare
from tests.engine.conftest import BaseImages, Engine, require_image

pytestmark = pytest.mark.engine

PROJECTS = Path(__file__).parent / "projects"
BASES = (
    "dockwise-test/toolchain:bookworm",
    "dockwise-test/static:bookworm",
    "dockwise-test/python3:bookworm",
    "dockwise-test/nodejs:bookworm",
)
MINIMUM_REDUCTION_PERCENT = 80.0
RUNTIME_BASES = (
    "go=dockwise-test/static:bookworm",
    "python=dockwise-test/python3:bookworm",
    "node=dockwise-test/nodejs:bookworm",
)


def rewrite(project: Path, folder: Path) -> Path:
    """A copy of `project` in `folder` with `Dockerfile.rewritten`: its Dockerfile as `fix --multi-stage`
    rewrites it (the CLI, as a user runs it)."""
    copy = folder / project.name
    shutil.copytree(project, copy)
    shutil.copyfile(copy / "Dockerfile", copy / "Dockerfile.rewritten")
    bases = [argument for base in RUNTIME_BASES for argument in ("--runtime-base", base)]
    completed = _dockwise(copy, "fix", "--multi-stage", *bases, "Dockerfile.rewritten", timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "1 rewritten" in completed.stderr, completed.stderr
    return copy


@pytest.fixture
def bases(engine: Engine) -> None:
    """The local bases scripts/engine-setup builds (skip, or fail under CI=true, without them)."""
    for image in BASES:
        require_image(engine, image)


def assert_nothing_left(engine: Engine, *run_ids: str) -> None:
    """Each verify run's containers, networks, volumes and images are gone (by its own run id: another
    verify may be running on the same engine)."""
    for run_id in run_ids:
        assert run_id
        assert leftovers(engine.client, run_id) == []
        assert engine.client.images.list(filters={"label": f"{LABEL}={run_id}"}) == []


@pytest.mark.parametrize("language", ["go", "python", "node"])
def test_the_multi_stage_rewrite_is_80_percent_smaller_and_behaves_the_same(
    engine: Engine, bases: None, tmp_path: Path, language: str
) -> None:
    project = rewrite(PROJECTS / language, tmp_path)
    report = compare(
        CompareOptions(project / "Dockerfile", project / "Dockerfile.rewritten", cold_build=False),
        engine.client,
    )
    assert report.rewritten is not None, report.build_error
    original = {probe.name: probe.status for probe in report.original.probes}
    rewritten = {probe.name: probe.status for probe in report.rewritten.probes}
    sizes = f"{report.original.image_size} -> {report.rewritten.image_size} bytes"
    print(f"{language}: {sizes}, {report.reduction_percent:.1f}% smaller")
    assert original == rewritten
    assert original == dict.fromkeys(("starts", "non-root", "health", "limits", "ports", "sigterm"), "pass")
    assert report.differences == []
    assert not report.failed
    assert report.reduction_percent is not None
    assert report.reduction_percent >= MINIMUM_REDUCTION_PERCENT, sizes
    ports = next(probe for probe in report.rewritten.probes if probe.name == "ports")
    assert ports.values["listening"] == [8080]
    assert_nothing_left(engine, report.original.run_id, report.rewritten.run_id)


BROKEN = {
    # cgo is on by default next to a C compiler: the binary needs libc and its loader, and the static
    # base has neither
    "go": ("RUN CGO_ENABLED=0 go build -o /usr/local/bin/hello .", "RUN go build -o /usr/local/bin/hello ."),
    # the python3 base's ENTRYPOINT is the interpreter: without the rewrite's `ENTRYPOINT []` the CMD
    # makes it run a script called python3
    "python": ('ENTRYPOINT []\nCMD ["python3", "/app/app.py"]', 'CMD ["python3", "/app/app.py"]'),
}


@pytest.mark.parametrize("language", sorted(BROKEN))
def test_a_rewrite_that_breaks_the_service_fails_the_comparison(
    engine: Engine, bases: None, tmp_path: Path, language: str
) -> None:
    project = rewrite(PROJECTS / language, tmp_path)
    good, bad = BROKEN[language]
    text = (project / "Dockerfile.rewritten").read_text(encoding="utf-8")
    assert good in text
    (project / "Dockerfile.broken").write_text(text.replace(good, bad), encoding="utf-8")
    arguments = ["Dockerfile", "Dockerfile.broken", "--format", "json", "--startup-timeout", "20"]
    completed = _compare_cli(project, *arguments, timeout=600)
    assert completed.returncode == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    document = json.loads(completed.stdout)
    worse = {difference["probe"]: difference for difference in document["differences"] if difference["worse"]}
    assert "starts" in worse, document["differences"]
    assert worse["starts"]["original"]["status"] == "pass"
    assert worse["starts"]["rewritten"]["status"] == "fail"
    assert document["failed"] is True
    assert document["size"]["reduction_percent"] > MINIMUM_REDUCTION_PERCENT  # smaller, and broken
    assert_nothing_left(engine, document["original"]["run_id"], document["rewritten"]["run_id"])


def _compare_cli(folder: Path, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return _dockwise(folder, "verify", "--compare", *arguments, "--no-cold-build", timeout=timeout)


def _dockwise(folder: Path, *arguments: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """`dockwise ARGUMENTS` run in `folder`, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "dockwise", *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_a_rewrite_that_does_not_build_fails_and_an_original_that_does_not_is_an_error(
    engine: Engine, base_images: BaseImages, tmp_path: Path
) -> None:
    busybox = base_images.busybox
    service = """CMD ["sh", "-c", "trap 'exit 0' TERM; sleep 300 & wait"]\n"""  # stops on SIGTERM
    (tmp_path / "Dockerfile").write_text(f"FROM {busybox}\nUSER 65534\n{service}")
    (tmp_path / "Dockerfile.broken").write_text(f'FROM {busybox}\nRUN exit 3\nCMD ["sleep", "300"]\n')
    completed = _compare_cli(tmp_path, "Dockerfile", "Dockerfile.broken", "--format", "json")
    assert completed.returncode == 1, completed.stderr
    document = json.loads(completed.stdout)
    assert document["rewritten"] is None
    assert "exit code: 3" in document["build_error"]
    assert document["failed"] is True
    assert_nothing_left(engine, document["original"]["run_id"])
    completed = _compare_cli(tmp_path, "Dockerfile.broken", "Dockerfile")
    assert completed.returncode == 2
    assert "dockwise: error: the build of" in completed.stderr
    assert "Traceback" not in completed.stderr
