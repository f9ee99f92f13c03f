"""`dockwise lsp` end to end: a real LSP client (pytest-lsp) drives the server over stdio."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

BAD = "FROM alpine:3.20\nRUN apk add git\nCMD app\n"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "dockwise", "lsp"]))  # type: ignore[untyped-decorator]
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    params = types.InitializeParams(capabilities=pytest_lsp.client_capabilities("neovim"))
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def _open(
    client: LanguageClient, path: Path, text: str, language: str = "dockerfile"
) -> list[types.Diagnostic]:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return list(client.diagnostics[uri])


@pytest.mark.asyncio
async def test_diagnostics_on_open_and_on_every_change(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    found = await _open(client, path, BAD)
    apk = [d for d in found if d.code == "DW204"]
    assert len(apk) == 1
    assert apk[0].range.start == types.Position(line=1, character=4)
    assert apk[0].source == "dockwise"
    assert apk[0].severity == types.DiagnosticSeverity.Warning
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=2),
            content_changes=[
                types.TextDocumentContentChangeWholeDocument(
                    text=BAD.replace("apk add git", "apk add --no-cache git")
                )
            ],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert "DW204" not in {d.code for d in client.diagnostics[path.as_uri()]}


@pytest.mark.asyncio
async def test_findings_and_fixes_move_with_the_text_between_keystrokes(
    client: LanguageClient, tmp_path: Path
) -> None:
    """What a lint keeps for the next keystroke (the parse of a RUN's script and what rules found about
    its commands) carries no position: two identical RUNs, then the same file a line lower."""
    path = tmp_path / "Dockerfile"
    text = "FROM alpine:3.20\nRUN apk add git\nRUN apk add git\nCMD app\n"
    found = await _open(client, path, text)
    assert sorted(d.range.start.line for d in found if d.code == "DW204") == [1, 2]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="# a comment\n" + text)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    moved = [d for d in client.diagnostics[path.as_uri()] if d.code == "DW204"]
    assert sorted((d.range.start.line, d.range.start.character) for d in moved) == [(2, 4), (3, 4)]
    last = max(moved, key=lambda d: d.range.start.line)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            range=last.range,
            context=types.CodeActionContext(diagnostics=[last]),
        )
    )
    assert actions
    fix = actions[0]
    assert isinstance(fix, types.CodeAction)
    assert fix.edit is not None
    assert fix.edit.changes is not None
    [edit] = fix.edit.changes[path.as_uri()]
    assert (edit.range.start, edit.new_text) == (types.Position(line=3, character=11), " --no-cache")


@pytest.mark.asyncio
async def test_the_nearest_configuration_is_used(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / ".dockwise.toml").write_text('ignore = ["DW204"]\n')
    found = await _open(client, tmp_path / "Dockerfile", BAD)
    assert found
    assert "DW204" not in {d.code for d in found}


@pytest.mark.asyncio
async def test_code_actions_fix_and_ignore(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    found = await _open(client, path, BAD)
    apk = next(d for d in found if d.code == "DW204")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            range=apk.range,
            context=types.CodeActionContext(diagnostics=[apk]),
        )
    )
    assert actions is not None
    titles = [action.title for action in actions if isinstance(action, types.CodeAction)]
    assert titles[0] == "Add --no-cache (DW204)"
    fix = actions[0]
    assert isinstance(fix, types.CodeAction)
    assert fix.is_preferred
    assert fix.edit is not None
    assert fix.edit.changes is not None
    [edit] = fix.edit.changes[path.as_uri()]
    assert edit.new_text == " --no-cache"
    assert "Ignore DW204 on this instruction" in titles
    ignore = next(
        a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith("Ignore DW204")
    )
    assert ignore.edit is not None
    assert ignore.edit.changes is not None
    [insert] = ignore.edit.changes[path.as_uri()]
    assert (insert.range.start, insert.new_text) == (
        types.Position(line=1, character=0),
        "# dockwise: ignore=DW204\n",
    )


@pytest.mark.asyncio
async def test_hover_shows_the_rule_documentation(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    await _open(client, path, BAD)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            position=types.Position(line=1, character=6),
        )
    )
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value.startswith("**DW204 apk-add-with-cache**")
    assert "## Why is this bad?" in hover.contents.value
    nothing = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            position=types.Position(line=0, character=2),
        )
    )
    assert nothing is None or "DW204" not in str(nothing.contents)


async def _change(client: LanguageClient, path: Path, text: str, version: int) -> list[types.Diagnostic]:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return list(client.diagnostics[path.as_uri()])


@pytest.mark.asyncio
async def test_compose_files_are_linted_on_every_change_without_saving(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = tmp_path / "compose.yaml"
    text = "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n"
    path.write_text(text)
    found = await _open(client, path, text, "yaml")
    privileged = [d for d in found if d.code == "DW710"]
    assert len(privileged) == 1
    assert privileged[0].range.start.line == 3
    typed = text.replace("    privileged: true\n", "    cap_add: [SYS_ADMIN]\n")
    found = await _change(client, path, typed, 2)  # the file on disk still says privileged
    assert "DW710" not in {d.code for d in found}
    assert [d.range.start.line for d in found if d.code == "DW712"] == [3]
    assert path.read_text() == text  # nothing was written


@pytest.mark.asyncio
async def test_an_overlay_is_checked_merged_over_its_base_from_disk(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  api:\n    image: app:1\n    mem_limit: 256m\n    pids_limit: 100\n"
    )
    overlay = tmp_path / "compose.prod.yaml"
    text = "services:\n  api:\n    environment:\n      LOG: info\n"
    found = await _open(client, overlay, text, "yaml")
    # the base sets the limits: the overlay is not told to set them again
    assert not {"DW701", "DW702"} & {d.code for d in found}
    found = await _change(client, overlay, text + "    privileged: true\n", 2)
    assert [d.range.start.line for d in found if d.code == "DW710"] == [4]


@pytest.mark.asyncio
async def test_a_new_compose_file_not_saved_yet_is_linted(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    found = await _open(
        client, path, "services:\n  db:\n    image: postgres:16\n    network_mode: host\n", "yaml"
    )
    assert [d.range.start.line for d in found if d.code == "DW720"] == [3]
    assert not path.exists()
