"""A progress bar for reading an image, on standard error, only when it is a terminal (never in CI logs or
when output is piped)."""

from __future__ import annotations

from types import TracebackType
from typing import IO, Any


class ByteProgress:
    """`start`/`advance` as `archive.Progress` wants them, drawn by rich."""

    def __init__(self, label: str, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task(label, total=None, start=False)

    def __enter__(self) -> ByteProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._progress.stop()

    def start(self, total: int | None) -> None:
        self._progress.update(self._task, total=total)
        self._progress.start_task(self._task)

    def advance(self, count: int) -> None:
        self._progress.advance(self._task, count)


def wanted(stream: IO[str]) -> bool:
    """Draw a bar only for a person watching a terminal."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class DownloadBars:
    """A bar per download (`db update`'s ecosystems, one after the other), drawn by ByteProgress; called
    as `(name, total bytes or None, bytes so far)`. `close()` takes the last one down."""

    def __init__(self) -> None:
        self._bar: ByteProgress | None = None
        self._name = ""
        self._seen = 0

    def __call__(self, name: str, total: int | None, done: int) -> None:
        if self._bar is None or name != self._name:
            self.close()
            self._bar = ByteProgress(f"downloading {name}").__enter__()
            self._bar.start(total)
            self._name, self._seen = name, 0
        self._bar.advance(done - self._seen)
        self._seen = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
