"""The human format: `path:line:col: CODE [severity] message`, the source line and a caret under it.

Findings are grouped so that a large report reads in blocks. In a report of several files each file opens
with a line that counts its findings; a file holding several services or `docker run` lines lists its
findings per service (or line) under a line of their own; findings at the same place share one source
excerpt (seven "missing" settings of one service all point at its name, shown once). Every finding keeps
its own `path:line:col`, which editors and terminals turn into links. Files are separated by a blank line.
The plain text is what pipes, files and tests get; on a terminal the same lines are coloured through rich
(`render_color`), which is imported only then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

from dockwise.diagnostics import Applicability, Category, Diagnostic, Severity, SourceText
from dockwise.lint import FileResult, LintReport
from dockwise.report.positions import span_of

Segment = tuple[str, str]
"""A piece of a line and its rich style ("" for none)."""

_SEVERITY_STYLES = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "cyan",
    Severity.STYLE: "magenta",
}


def render(report: LintReport) -> str:
    return "".join("".join(text for text, _ in line) + "\n" for line in _lines(report))


def render_color(report: LintReport) -> str:
    """The same text with ANSI colours, for a terminal."""
    from rich.console import Console
    from rich.text import Text

    console = Console(force_terminal=True, color_system="standard", width=1_000_000, highlight=False)
    with console.capture() as captured:
        for line in _lines(report):
            console.print(Text.assemble(*line), soft_wrap=True)
    return captured.get()


def _lines(report: LintReport) -> Iterator[list[Segment]]:
    shown = 0
    for result in report.files:
        if not result.error and not result.diagnostics:
            continue
        if shown:
            yield []
        shown += 1
        yield from _file_lines(result, header=len(report.files) > 1)
    for problem in report.problems:
        yield [("error", "bold red"), (f": {problem}", "")]
    checked = len(report.files)
    found = len(report.diagnostics)
    files_word = "file" if checked == 1 else "files"
    fixable = sum(1 for d in report.diagnostics if d.fix and d.fix.applicability is Applicability.SAFE)
    total = f"{found} finding{'s' if found != 1 else ''} in {checked} {files_word}"
    if fixable:
        total += f", {fixable} fixable with `dockwise fix`"
    yield [(total + ".", "bold")]


def _file_lines(result: FileResult, header: bool) -> Iterator[list[Segment]]:
    """One file's block: with `header` (a report of several files) a line counting its findings first."""
    if result.error:
        yield [(result.path, "bold"), (": ", ""), ("error", "bold red"), (f": {result.error}", "")]
        return
    source = SourceText(result.path, result.text) if result.text is not None else None
    if header:
        yield [(result.path, "bold"), (f": {_counted(result.diagnostics)}", "")]
    cuts = _secret_cuts(result.diagnostics, source)
    groups: dict[str | None, list[Diagnostic]] = {}
    for diagnostic in result.diagnostics:
        groups.setdefault(diagnostic.subject, []).append(diagnostic)
    for subject, diagnostics in groups.items():
        if subject is not None and len(groups) > 1:
            yield [(subject, "bold"), (f": {_counted(diagnostics)}", "")]
        yield from _run_lines(result.path, diagnostics, source, cuts)


def _counted(diagnostics: Sequence[Diagnostic]) -> str:
    """The counts of a block, as in `7 findings (2 warnings, 5 info), 1 fixable`."""
    total = len(diagnostics)
    by_severity = Counter(diagnostic.severity for diagnostic in diagnostics)
    parts = [
        f"{by_severity[severity]} {severity}{_plural(severity, by_severity[severity])}"
        for severity in Severity
        if by_severity[severity]
    ]
    text = f"{total} finding{'s' if total != 1 else ''} ({', '.join(parts)})"
    safe = sum(1 for d in diagnostics if d.fix and d.fix.applicability is Applicability.SAFE)
    unsafe = sum(1 for d in diagnostics if d.fix and d.fix.applicability is Applicability.UNSAFE)
    return (
        text + (f", {safe} fixable" if safe else "") + (f", {unsafe} with --unsafe-fixes" if unsafe else "")
    )


def _plural(severity: Severity, count: int) -> str:
    """`2 warnings` but `2 info` and `2 style`: those two are not counted nouns."""
    return "s" if count != 1 and severity in (Severity.ERROR, Severity.WARNING) else ""


def _run_lines(
    path: str, diagnostics: Sequence[Diagnostic], source: SourceText | None, cuts: Mapping[int, int]
) -> Iterator[list[Segment]]:
    """Each finding's line; findings at the same span in a row share the excerpt shown after the last."""
    index = 0
    while index < len(diagnostics):
        end = index + 1
        span = _span_key(diagnostics[index])
        while end < len(diagnostics) and span is not None and _span_key(diagnostics[end]) == span:
            end += 1
        if end - index == 1:
            yield from _diagnostic_lines(path, diagnostics[index], source, cuts)
        else:
            for diagnostic in diagnostics[index:end]:
                yield from _diagnostic_lines(path, diagnostic, source, cuts, excerpt=False)
            yield from _excerpt_lines(diagnostics[end - 1], source, cuts)
        index = end


def _secret_cuts(diagnostics: Sequence[Diagnostic], source: SourceText | None) -> dict[int, int]:
    """The lines that hold a secret a finding reports, and the column after which they are not shown
    (for that finding and every other one on the line), so that the report never repeats a secret."""
    cuts: dict[int, int] = {}
    for diagnostic in diagnostics:
        if diagnostic.category not in _SECRET_CATEGORIES:
            continue
        span = span_of(diagnostic, source)
        if span is not None and span.end.line == span.start.line:
            cuts[span.start.line] = min(cuts.get(span.start.line, span.end.column), span.end.column)
    return cuts


def _span_key(diagnostic: Diagnostic) -> tuple[str, int, int] | None:
    span = getattr(diagnostic.location, "range", None)
    path = getattr(diagnostic.location, "path", None)
    return (path, span.start, span.end) if span is not None and path is not None else None


def _fix_marker(diagnostic: Diagnostic) -> list[Segment]:
    """Says that `dockwise fix` can repair this finding (and whether it needs --unsafe-fixes)."""
    fix = diagnostic.fix
    if fix is None or fix.applicability is Applicability.SUGGESTION:
        return []
    if fix.applicability is Applicability.UNSAFE:
        return [(" [fix: --unsafe-fixes]", "green")]
    return [(" [fix]", "bold green")]


_SECRET_CATEGORIES = (Category.SECRETS_IN_BUILD, Category.SECRETS_IN_IMAGE)
"""Findings about a secret show their source line only up to the end of what they point at (a
variable's name, a flag), so that the report never repeats the secret."""

MAX_SHOWN = 160
"""The most of a source line shown under a finding. A one-line Compose file or a minified script of
37 KB with thousands of findings printed the whole line for each one: 880 MB of output."""


def _window(text: str, caret: int, width: int) -> tuple[str, int, int]:
    """`text` cut to `MAX_SHOWN` characters around the caret (with "…" where it was cut), and where the
    caret and its width fall in what is shown."""
    if len(text) <= MAX_SHOWN:
        return text, caret, width
    start = max(0, min(caret - MAX_SHOWN // 3, len(text) - MAX_SHOWN))
    end = start + MAX_SHOWN
    shown = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    shift = 1 if start else 0
    caret = caret - start + shift
    return shown, caret, max(1, min(width, end - start + shift - caret))


def _diagnostic_lines(
    path: str,
    diagnostic: Diagnostic,
    source: SourceText | None,
    cuts: Mapping[int, int],
    excerpt: bool = True,
) -> Iterator[list[Segment]]:
    """The finding's line, then (with `excerpt`) its source line and caret, then its notes."""
    span = span_of(diagnostic, source)
    where = f"{path}:{span.start.line}:{span.start.column}" if span else path
    style = _SEVERITY_STYLES[diagnostic.severity]
    yield [
        (where, "bold"),
        (": ", ""),
        (diagnostic.code, style),
        (" ", ""),
        (f"[{diagnostic.severity}]", style),
        (f" {diagnostic.message}", ""),
        *_fix_marker(diagnostic),
    ]
    if excerpt:
        yield from _excerpt_lines(diagnostic, source, cuts)
    for note in diagnostic.notes:
        yield [("       = ", "dim"), ("note: ", "bold"), (note, "")]


def _excerpt_lines(
    diagnostic: Diagnostic, source: SourceText | None, cuts: Mapping[int, int]
) -> Iterator[list[Segment]]:
    """The source line of the finding with a caret under its span."""
    span = span_of(diagnostic, source)
    if span is None or source is None:
        return
    style = _SEVERITY_STYLES[diagnostic.severity]
    text = source.line_text(span.start.line).lstrip("\ufeff")
    width = 1
    if span.end.line == span.start.line:
        width = max(1, span.end.column - span.start.column)
    cut = cuts.get(span.start.line)
    if cut is not None and text[cut - 1 :].strip(" :\r\n"):  # the line goes on with a secret
        text = text[: cut - 1] + " …"
        width = max(1, min(width, cut - span.start.column))
    text = text.expandtabs(1)
    text, caret, width = _window(text, span.start.column - 1, width)
    yield [(f"  {span.start.line:>4} | ", "dim"), (text, "")]
    yield [("       | ", "dim"), (" " * caret, ""), ("^" * width, style)]
