"""`dockwise lsp`: how long after a keystroke the editor gets the new diagnostics of a 300-line Dockerfile.

A real LSP client (pygls) starts `dockwise lsp` over stdio, opens the file, then sends one `didChange` a
keystroke (a word typed into a RUN line near the top, one letter a keystroke, so every text is new; sent
as the server's capabilities ask, as editors do) and waits for the `publishDiagnostics` that answers it:
the figure is the whole round trip, JSON-RPC included. Prints the median and the 95th percentile.

    python benchmarks/lsp_keystroke.py [--changes N] [--file DOCKERFILE_OR_COMPOSE_FILE]

With `--file`, the keystrokes type into a comment line added at the end of a copy of that file (a
Dockerfile or a Compose file, told apart by its name as the server does), alone in a folder.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from installed import regular_install


def three_hundred_lines() -> str:
    lines = ["# syntax=docker/dockerfile:1", "FROM python:3.12-slim AS build", "WORKDIR /src"]
    number = 0
    while len(lines) < 296:
        lines += [
            f"RUN apt-get update && apt-get install -y --no-install-recommends tool{number} \\",
            "    && rm -rf /var/lib/apt/lists/*",
            f"COPY part{number}/ /src/part{number}/",
            f"ENV STEP_{number}=done",
        ]
        number += 1
    lines += [
        "FROM python:3.12-slim",
        "COPY --from=build /src /app",
        "USER 65534",
        'CMD ["python", "/app/main.py"]',
    ]
    return "\n".join(lines) + "\n"


async def measure(changes: int, python: Path, timings: Path, file: Path | None = None) -> list[float]:
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("bench", "1")
    published: asyncio.Queue[float] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(time.perf_counter())

    await client.start_io(
        str(python), "-m", "dockwise", "lsp", env={**os.environ, "DOCKWISE_LSP_TIMINGS": str(timings)}
    )
    result = await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    sync = result.capabilities.text_document_sync
    sync_kind = sync.change if isinstance(sync, types.TextDocumentSyncOptions) else sync
    client.initialized(types.InitializedParams())
    from dockwise.lsp import kind_of

    if file is None:
        name, text = "Dockerfile", three_hundred_lines()
        # Each keystroke types the next letter of a word after "tool7" on its RUN line (a text the server
        # has not seen), sent the way the server asked for in its capabilities: the whole text, or the change.
        line = next(number for number, content in enumerate(text.splitlines()) if "tool7 " in content)
        column = text.splitlines()[line].index("tool7 ") + len("tool7")
    else:
        name, text = file.name, file.read_text(encoding="utf-8").rstrip("\n") + "\n# \n"
        line, column = text.count("\n") - 1, 2  # into a comment at the end: the file means the same
    with tempfile.TemporaryDirectory() as folder:
        uri = (Path(folder) / name).as_uri()
        kind = kind_of(uri) or ("compose" if name.endswith((".yml", ".yaml")) else "dockerfile")
        language = "dockerfile" if kind == "dockerfile" else "dockercompose"
        item = types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        await published.get()
        seconds = []
        lines = text.split("\n")
        incremental = sync_kind == types.TextDocumentSyncKind.Incremental
        typed = ""
        for version in range(2, changes + 2):
            letter = "abcdefghijklmnopqrstuvwxyz"[version % 26]
            change: types.TextDocumentContentChangeEvent
            if incremental:
                at = types.Position(line=line, character=column + len(typed))
                where = types.Range(start=at, end=at)
                change = types.TextDocumentContentChangePartial(range=where, text=letter)
            else:
                typed_line = lines[line][:column] + typed + letter + lines[line][column:]
                change = types.TextDocumentContentChangeWholeDocument(
                    text="\n".join([*lines[:line], typed_line, *lines[line + 1 :]])
                )
            typed += letter
            started = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[change],
                )
            )
            seconds.append(await published.get() - started)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()  # type: ignore[no-untyped-call]
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument(
        "--file", type=Path, help="a Dockerfile or Compose file (default: a 300-line Dockerfile)"
    )
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dockwise-install-") as folder:
        timings = Path(folder) / "timings.txt"
        python = regular_install(Path(folder))
        seconds = asyncio.run(measure(arguments.changes, python, timings, arguments.file))
        in_server = [float(line) for line in timings.read_text().split()][1:]  # the first is the open
    machine = f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    print(f"{datetime.date.today()}, {machine}")
    subject = "a 300-line Dockerfile"
    if arguments.file is not None:
        subject = f"{arguments.file} ({arguments.file.read_text(encoding='utf-8').count(chr(10))} lines)"
    print(f"{len(seconds)} keystrokes on {subject}:")
    print(f"  in the server (text received -> diagnostics ready): {_figures(in_server)}")
    print(f"  round trip in the client (JSON-RPC over stdio included): {_figures(seconds)}")
    return 0


def _figures(seconds: Sequence[float]) -> str:
    milliseconds = sorted(s * 1000 for s in seconds)
    p95 = milliseconds[int(len(milliseconds) * 0.95) - 1]
    median = statistics.median(milliseconds)
    return f"median {median:.1f} ms, 95th percentile {p95:.1f} ms, worst {milliseconds[-1]:.1f} ms"


if __name__ == "__main__":
    raise SystemExit(main())
