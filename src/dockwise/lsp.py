"""`dockwise lsp`: the findings, fixes and rule documentation in any editor, over the Language Server
Protocol on stdio (pygls, the Python LSP framework most servers of this kind build on).

Dockerfiles and Compose files are linted from the editor's text on open and on every change, with the
rules and the nearest configuration a `dockwise lint` of that file would use. A Compose file is checked in
the project Compose loads it in (its base, override and overlays, `.env`): the edited buffer stands in for
its file and the other files are read from disk (`dockwise.sources`), so the findings are those of the
project as it will be once the buffer is saved. Code actions offer each finding's fix (safe ones first,
unsafe ones labelled) and "ignore this rule here"; hovering a finding shows its rule's documentation.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from dockwise import __version__
from dockwise.config import Settings
from dockwise.diagnostics import Applicability, Diagnostic, Severity, SourceText
from dockwise.discovery import is_compose_name, is_dockerfile_name

if TYPE_CHECKING:
    from dockwise.rules.runtime._base import RunSpecRule

_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.STYLE: types.DiagnosticSeverity.Hint,
}


def path_of(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


def kind_of(uri: str, language: str = "") -> str | None:
    """ "dockerfile", "compose" or None (not a file dockwise checks)."""
    name = path_of(uri).name
    if language == "dockerfile" or is_dockerfile_name(name):
        return "dockerfile"
    if language == "dockercompose" or is_compose_name(name):
        return "compose"
    return None


def _utf16(text: str) -> int:
    return len(text) + sum(1 for character in text if ord(character) > 0xFFFF)


class Positions:
    """Character offsets to LSP positions (0-based lines, UTF-16 columns, as the protocol counts)."""

    def __init__(self, text: str) -> None:
        self.source = SourceText("", text)

    def position(self, offset: int) -> types.Position:
        where = self.source.position(offset)
        start = self.source.line_start(where.line)
        return types.Position(line=where.line - 1, character=_utf16(self.source.text[start:offset]))

    def offset(self, position: types.Position) -> int:
        line = min(position.line + 1, self.source.line_count)
        start = self.source.line_start(line)
        units = 0
        index = start
        text = self.source.text
        while index < len(text) and units < position.character and text[index] != "\n":
            units += 2 if ord(text[index]) > 0xFFFF else 1
            index += 1
        return index

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))


class DockwiseServer(LanguageServer):
    """Keeps each open document's last findings, for code actions and hover."""

    def __init__(self) -> None:
        # Full sync: the editor sends the whole text with each change. Dockerfiles and Compose files are
        # small (dockwise reads 1 MiB at most), and pygls applies an incremental change in Python line by
        # line: measured, that cost a 300-line Dockerfile 8 ms a keystroke, more than the whole transfer.
        super().__init__("dockwise", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.findings: dict[str, tuple[list[Diagnostic], Positions]] = {}
        self._settings: dict[Path, Settings] = {}
        self.timings = os.environ.get("DOCKWISE_LSP_TIMINGS")
        """A file to append the seconds of each lint to (from the text received to the diagnostics ready)."""

    def settings_for(self, path: Path) -> Settings:
        from dockwise.config import find_config, load_settings

        folder = path.parent
        if folder not in self._settings:
            self._settings[folder] = load_settings(find_config(folder))
        return self._settings[folder]

    def forget_settings(self) -> None:
        self._settings.clear()

    def lint(self, uri: str, text: str | None, kind: str) -> None:
        path = path_of(uri)
        # A lint makes no reference cycles (tests/dockerfile/test_no_cycles.py), so its objects are freed as
        # they go; collections in the middle of it would only walk the live parse tree, again and again, and
        # cost a keystroke up to 4 ms more at the 95th percentile.
        started = time.perf_counter()
        gc.disable()
        try:
            settings = self.settings_for(path)
            found, source = _lint(path, text, kind, settings)
        except Exception as error:  # a bad configuration file: say so once, keep serving
            message = types.ShowMessageParams(type=types.MessageType.Error, message=f"dockwise: {error}")
            self.window_show_message(message)
            return
        finally:
            gc.enable()
        positions = Positions(source)
        self.findings[uri] = (found, positions)
        diagnostics = [_to_lsp(d, positions) for d in found]
        if self.timings is not None:  # benchmarks/lsp_keystroke.py: the server's own share of a keystroke
            with open(self.timings, "a", encoding="utf-8") as log:
                log.write(f"{time.perf_counter() - started:.6f}\n")
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
        )


def _lint(path: Path, text: str | None, kind: str, settings: Settings) -> tuple[list[Diagnostic], str]:
    if kind == "dockerfile":
        from dockwise.lint import dockerfile_rules, lint_text_with

        assert text is not None
        selected = dockerfile_rules(settings.select, settings.ignore, settings.enabled_by_overrides())
        return lint_text_with(text, str(path), selected, settings, path.parent), text
    from dockwise.runtime_lint import runtime_rules
    from dockwise.sources import unsaved

    rules = runtime_rules(settings.select, settings.ignore, settings.enabled_by_overrides())
    with unsaved({path: text} if text is not None else {}):
        return _lint_compose(path, text, rules, settings)


def _lint_compose(
    path: Path, text: str | None, rules: Sequence[RunSpecRule], settings: Settings
) -> tuple[list[Diagnostic], str]:
    from dockwise.runtime_lint import lint_runtime_family, runtime_families

    folder = path.parent
    siblings = (
        sorted(p for p in folder.iterdir() if is_compose_name(p.name) and p.is_file())
        if folder.is_dir()
        else []
    )
    if path not in siblings and is_compose_name(path.name):
        siblings = sorted([*siblings, path])  # a new file, not saved yet
    families = runtime_families(siblings) if path in siblings else []
    # The projects Compose loads it in (its base, override and overlays), each finding where it belongs.
    family = next((f for f in families if any(path in project for project in f)), ((path,),))
    results = lint_runtime_family(family, rules, settings, settings.target)
    result = next((r for r in results if Path(r.path) == path), None)
    if result is None or result.text is None:
        return [], text or ""
    return list(result.diagnostics), result.text


def _to_lsp(diagnostic: Diagnostic, positions: Positions) -> types.Diagnostic:
    span = getattr(diagnostic.location, "range", None)
    where = positions.range(span.start, span.end) if span is not None else positions.range(0, 0)
    return types.Diagnostic(
        range=where,
        message=diagnostic.message + "".join(f"\nnote: {note}" for note in diagnostic.notes),
        severity=_SEVERITIES[diagnostic.severity],
        code=diagnostic.code,
        source="dockwise",
        data={"fix": diagnostic.fix is not None},
    )


def build_server() -> DockwiseServer:
    server = DockwiseServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DockwiseServer, params: types.DidOpenTextDocumentParams) -> None:
        kind = kind_of(params.text_document.uri, params.text_document.language_id)
        if kind is not None:
            ls.lint(params.text_document.uri, params.text_document.text, kind)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DockwiseServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = ls.workspace.get_text_document(uri)
        kind = kind_of(uri, document.language_id or "")
        if kind is not None:
            ls.lint(uri, document.source, kind)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DockwiseServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        kind = kind_of(uri)
        if kind is not None:
            ls.forget_settings()  # a configuration file may have changed too
            ls.lint(uri, ls.workspace.get_text_document(uri).source, kind)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DockwiseServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.findings.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION)
    def code_actions(ls: DockwiseServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        found, positions = ls.findings.get(uri, ([], Positions("")))
        first, last = positions.offset(params.range.start), positions.offset(params.range.end)
        actions: list[types.CodeAction] = []
        ignores: list[types.CodeAction] = []
        for diagnostic in found:
            span = getattr(diagnostic.location, "range", None)
            if span is None or span.end < first or span.start > last:
                continue
            fix = diagnostic.fix
            if fix is not None and fix.applicability is not Applicability.SUGGESTION:
                unsafe = fix.applicability is Applicability.UNSAFE
                title = f"{fix.title} ({diagnostic.code}{', changes behaviour' if unsafe else ''})"
                edits = [
                    types.TextEdit(positions.range(e.range.start, e.range.end), e.text) for e in fix.edits
                ]
                actions.append(
                    types.CodeAction(
                        title=title,
                        kind=types.CodeActionKind.QuickFix,
                        edit=types.WorkspaceEdit(changes={uri: edits}),
                        is_preferred=not unsafe,
                        diagnostics=[_to_lsp(diagnostic, positions)],
                    )
                )
            if kind_of(uri) == "dockerfile":
                ignores.append(_ignore_action(uri, diagnostic, positions))
        actions.sort(key=lambda action: not action.is_preferred)
        return actions + ignores

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: DockwiseServer, params: types.HoverParams) -> types.Hover | None:
        from dockwise.rules import rule_by_code

        found, positions = ls.findings.get(params.text_document.uri, ([], Positions("")))
        offset = positions.offset(params.position)
        for diagnostic in found:
            span = getattr(diagnostic.location, "range", None)
            if span is not None and span.start <= offset <= span.end:
                rule = rule_by_code(diagnostic.code)
                if rule is None:
                    continue
                heading = f"**{rule.code} {rule.name}** ({rule.category}, {rule.severity})"
                text = f"{heading}\n\n{rule.documentation()}"
                return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))
        return None

    return server


def _ignore_action(uri: str, diagnostic: Diagnostic, positions: Positions) -> types.CodeAction:
    """`# dockwise: ignore=CODE` on its own line above the line of the finding, indented like it."""
    span = getattr(diagnostic.location, "range", None)
    start = span.start if span is not None else 0
    line = positions.source.position(start).line
    line_start = positions.source.line_start(line)
    text = positions.source.line_text(line)
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    at = positions.position(line_start)
    edit = types.TextEdit(
        range=types.Range(start=at, end=at), new_text=f"{indent}# dockwise: ignore={diagnostic.code}\n"
    )
    return types.CodeAction(
        title=f"Ignore {diagnostic.code} on this instruction",
        kind=types.CodeActionKind.QuickFix,
        edit=types.WorkspaceEdit(changes={uri: [edit]}),
        is_preferred=False,
    )


def serve(**_: Any) -> int:
    from dockwise.lint import dockerfile_rules

    dockerfile_rules()  # import the rules before the first keystroke, not during it
    gc.freeze()  # what is loaded now lives as long as the server: keep it out of every collection
    build_server().start_io()
    return 0
