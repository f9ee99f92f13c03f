"""Lint many files on every CPU: forked worker processes, results in file order.

Linting is pure Python and CPU-bound, so threads would not help; processes do. Workers are forked, so
they start with the rules already imported and cost a few milliseconds each; they get the settings once
(through the fork) and return only the diagnostics of each file, never its text. Small runs stay in one
process, where starting workers would cost more than it saves. Where `fork` is not available (Windows,
macOS's default), everything runs in one process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

#: Fewer files than this are linted in the calling process.
MIN_FILES_PER_WORKER = 64
Result = TypeVar("Result")
Item = TypeVar("Item")

#: The task of the running `map_files`, read by the forked workers (functions cannot be sent to them).
_CURRENT: list[Callable[[Any], object]] = []


def workers_for(count: int, jobs: int | None = None, min_per_worker: int = MIN_FILES_PER_WORKER) -> int:
    """How many processes to use for `count` files (`jobs`: a user's choice; None: automatic, also
    read from DOCKWISE_JOBS); each worker gets at least `min_per_worker` of them."""
    if jobs is None:
        configured = os.environ.get("DOCKWISE_JOBS", "")
        jobs = int(configured) if configured.isdecimal() else None
    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    workers = max(1, min(jobs, count // min_per_worker))
    if workers == 1:
        return 1
    import multiprocessing  # only here: it costs a few milliseconds of start-up for one file

    return workers if "fork" in multiprocessing.get_all_start_methods() else 1


def map_files(
    task: Callable[[Item], Result],
    paths: Sequence[Item],
    jobs: int | None = None,
    min_per_worker: int = MIN_FILES_PER_WORKER,
) -> list[Result]:
    """`[task(path) for path in paths]` (paths, groups of them, image layers), spread over worker
    processes when that pays off."""
    workers = workers_for(len(paths), jobs, min_per_worker)
    if workers <= 1:
        return [task(path) for path in paths]
    import multiprocessing

    _CURRENT.append(task)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            chunk = max(1, len(paths) // (workers * 8))
            return list(pool.imap(_run, paths, chunksize=chunk))  # type: ignore[arg-type]
    finally:
        _CURRENT.pop()


def _run(path: Any) -> object:
    return _CURRENT[-1](path)
