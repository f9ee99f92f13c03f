"""Where a file's text comes from: the disk, or an editor's buffer that is not saved yet.

The language server lints a Compose file as it is being typed, yet Compose reads a project from several
files (a base, an override, overlays, `.env`). Inside `unsaved(...)` the readers of dockwise (`read_source`,
the Compose loader) take the given texts for those paths and the disk for the others: the project is
checked as Compose will load it once the buffer is saved. A context variable, so concurrent lints (and
everything outside the block) never see another's buffers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import MappingProxyType

_UNSAVED: ContextVar[Mapping[str, str]] = ContextVar("dockwise_unsaved", default=MappingProxyType({}))


def _key(path: Path) -> str:
    return os.path.abspath(path)


@contextmanager
def unsaved(texts: Mapping[Path, str]) -> Iterator[None]:
    """Read these texts instead of the files at these paths, within the block."""
    token = _UNSAVED.set({_key(path): text for path, text in texts.items()})
    try:
        yield
    finally:
        _UNSAVED.reset(token)


def unsaved_text(path: Path) -> str | None:
    """The buffer given for `path` in the current `unsaved` block, else None (read the disk)."""
    texts = _UNSAVED.get()
    return texts.get(_key(path)) if texts else None
