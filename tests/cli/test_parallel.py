"""Many files are linted in worker processes with the same results, in the same order, as in one."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise import parallel
from dockwise.lint import lint_paths


def test_workers_give_the_same_report_as_one_process(tmp_path: Path) -> None:
    for number in range(3 * parallel.MIN_FILES_PER_WORKER):
        folder = tmp_path / f"svc{number:03}"
        folder.mkdir()
        (folder / "Dockerfile").write_text(
            f"FROM node:{number}\nRUN apk add curl\nEXPOSE {number + 1}\nCMD node s{number}.js\n"
        )
    (tmp_path / "svc000" / "Dockerfile").write_bytes(b"FROM \xff\n")  # an error travels back too
    alone = lint_paths([tmp_path], jobs=1)
    spread = lint_paths([tmp_path], jobs=3)
    assert parallel.workers_for(len(alone.files), 3) == 3
    assert spread == alone
    assert [result.path for result in spread.files] == sorted(result.path for result in spread.files)
    assert spread.files[0].error is not None


def test_small_runs_and_explicit_single_job_stay_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parallel.workers_for(parallel.MIN_FILES_PER_WORKER - 1) == 1
    assert parallel.workers_for(10_000, jobs=1) == 1
    monkeypatch.setenv("DOCKWISE_JOBS", "2")
    assert parallel.workers_for(10_000) == 2
