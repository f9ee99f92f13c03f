"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers: results with rule metadata and help."""

from __future__ import annotations

import json
from pathlib import PurePath
from urllib.parse import quote

from dockwise import __version__
from dockwise.diagnostics import Severity
from dockwise.lint import LintReport
from dockwise.report.positions import located
from dockwise.rules import registered_rules

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.STYLE: "note",
}


def _uri(path: str) -> str:
    return quote(PurePath(path).as_posix(), safe="/:")


def _other_tool_rule(code: str) -> dict[str, object]:
    """A code no dockwise rule has: one of another tool's that a rule reports (ShellCheck's SC2086)."""
    from dockwise.rules import rule_by_code

    entry: dict[str, object] = {"id": code}
    rule = rule_by_code(code)
    if rule is not None and rule.code == "DW690":
        from dockwise.rules.dockerfile.shellcheck import WIKI

        entry["helpUri"] = WIKI.format(code=code.removeprefix("SC"))
        entry["properties"] = {"category": str(rule.category), "tags": [str(rule.category), rule.code]}
    return entry


def render(report: LintReport) -> str:
    rules = registered_rules()
    findings = list(located(report))
    used = sorted({diagnostic.code for _, diagnostic, _ in findings})
    index = {code: position for position, code in enumerate(used)}
    rule_entries: list[dict[str, object]] = []
    for code in used:
        rule = rules.get(code)
        if rule is None:
            rule_entries.append(_other_tool_rule(code))
            continue
        documentation = rule.documentation()
        rule_entries.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary()},
                "fullDescription": {"text": documentation},
                "help": {"text": documentation, "markdown": documentation},
                "defaultConfiguration": {"level": _LEVELS[rule.severity]},
                "properties": {"category": str(rule.category), "tags": [str(rule.category), *rule.aliases]},
            }
        )
    results: list[dict[str, object]] = []
    for result, diagnostic, span in findings:
        location: dict[str, object] = {"artifactLocation": {"uri": _uri(result.path)}}
        if span is not None:
            location["region"] = {
                "startLine": span.start.line,
                "startColumn": span.start.column,
                "endLine": span.end.line,
                "endColumn": max(span.end.column, 1),
            }
        results.append(
            {
                "ruleId": diagnostic.code,
                "ruleIndex": index[diagnostic.code],
                "level": _LEVELS[diagnostic.severity],
                "message": {"text": diagnostic.message},
                "locations": [{"physicalLocation": location}],
            }
        )
    notifications = [
        {"level": "error", "message": {"text": f"{failed.path}: {failed.error}"}}
        for failed in report.files
        if failed.error
    ] + [{"level": "error", "message": {"text": problem}} for problem in report.problems]
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "dockwise", "version": __version__, "rules": rule_entries}},
                "invocations": [
                    {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
