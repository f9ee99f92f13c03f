"""Every output format: exact content where it is line-based, structure and schema where it is a document."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from dockwise.lint import FileResult, LintReport, lint_paths, lint_text
from dockwise.report import FORMATS, reporter
from tests.conftest import require_shared

DOCKERFILE = "FROM node:latest\nMAINTAINER a, b: c\nCMD node server.js\n"


@pytest.fixture
def report() -> LintReport:
    diagnostics = tuple(lint_text(DOCKERFILE, "app/Dockerfile"))
    return LintReport(
        (
            FileResult("app/Dockerfile", DOCKERFILE, diagnostics),
            FileResult("clean/Dockerfile", "FROM alpine:3.20\n", ()),
            FileResult(
                "broken/Dockerfile", None, error="cannot decode as UTF-8 (byte 3): invalid start byte"
            ),
        )
    )


def test_report_has_the_expected_findings(report: LintReport) -> None:
    assert [d.code for d in report.diagnostics] == ["DW101", "DW301", "DW503", "DW401"]


def test_sarif_validates_against_the_official_schema(report: LintReport) -> None:
    schema = json.loads(require_shared("schemas/sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    document = json.loads(reporter("sarif")(report))
    jsonschema.validate(document, schema)
    run = document["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["DW101", "DW301", "DW401", "DW503"]
    first = run["results"][0]
    assert first["ruleId"] == "DW101"
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == "DW101"
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": 1,
        "endLine": 1,
        "endColumn": 17,
    }
    rule = run["tool"]["driver"]["rules"][0]
    assert "## Why is this bad?" in rule["help"]["markdown"]
    assert "DL3007" in rule["properties"]["tags"]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert "broken/Dockerfile" in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]


def test_github_workflow_commands(report: LintReport) -> None:
    lines = reporter("github")(report).splitlines()
    assert lines[0] == (
        "::warning file=app/Dockerfile,line=1,col=1,endLine=1,endColumn=17,title=DW101 unpinned-base-image"
        "::base image node:latest uses the moving `latest` tag: pin a version (and ideally a digest)"
    )
    assert lines[-1] == "::error file=broken/Dockerfile::cannot decode as UTF-8 (byte 3): invalid start byte"
    assert len(lines) == 5


def test_gitlab_code_quality(report: LintReport) -> None:
    issues = json.loads(reporter("gitlab")(report))
    assert [issue["check_name"] for issue in issues] == ["DW101", "DW301", "DW503", "DW401"]
    assert {issue["severity"] for issue in issues} == {"major"}
    assert issues[2]["location"] == {"path": "app/Dockerfile", "lines": {"begin": 2}}
    assert len({issue["fingerprint"] for issue in issues}) == 4


def test_checkstyle(report: LintReport) -> None:
    root = ElementTree.fromstring(reporter("checkstyle")(report))
    files = root.findall("file")
    assert [f.get("name") for f in files] == ["app/Dockerfile", "clean/Dockerfile", "broken/Dockerfile"]
    errors = files[0].findall("error")
    assert [(e.get("line"), e.get("severity"), e.get("source")) for e in errors][2] == (
        "2",
        "warning",
        "dockwise.DW503.deprecated-maintainer",
    )
    assert (
        errors[2].get("message") == "MAINTAINER is deprecated: use LABEL org.opencontainers.image.authors=..."
    )
    assert files[1].findall("error") == []


def test_junit(report: LintReport) -> None:
    root = ElementTree.fromstring(reporter("junit")(report))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "4", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["app/Dockerfile", "clean/Dockerfile", "broken/Dockerfile"]
    assert len(suites[0].findall("testcase/failure")) == 4
    assert suites[1].find("testcase/failure") is None
    assert suites[2].find("testcase/error") is not None


def test_every_format_renders_an_empty_report_as_nothing_found() -> None:
    empty = LintReport(())
    assert set(FORMATS) == {"text", "json", "sarif", "github", "gitlab", "checkstyle", "junit"}
    assert reporter("text")(empty) == "0 findings in 0 files.\n"
    assert json.loads(reporter("json")(empty)) == {
        "diagnostics": [],
        "errors": [],
        "files_checked": 0,
        "skipped": {"by_reason": {}, "message": None},
    }
    assert json.loads(reporter("sarif")(empty))["runs"][0]["results"] == []
    assert reporter("github")(empty) == ""
    assert json.loads(reporter("gitlab")(empty)) == []
    assert ElementTree.fromstring(reporter("checkstyle")(empty)).findall("file") == []
    assert ElementTree.fromstring(reporter("junit")(empty)).get("tests") == "0"


def test_fixable_findings_are_marked_in_text_and_json() -> None:
    text = "FROM alpine:3.20\nRUN apk add git\n"
    fixable = LintReport((FileResult("Dockerfile", text, tuple(lint_text(text, "Dockerfile"))),))
    rendered = reporter("text")(fixable)
    assert "DW204 [warning] apk add without --no-cache keeps the index in the layer [fix]\n" in rendered
    assert rendered.endswith("1 finding in 1 file, 1 fixable with `dockwise fix`.\n")
    assert json.loads(reporter("json")(fixable))["diagnostics"][0]["fixable"] == "safe"


def test_text_shows_a_window_of_a_long_line_with_the_caret_under_the_finding() -> None:
    """A long one-line file printed the whole line under every finding: output quadratic in the input."""
    padding = "x" * 5_000
    text = f"FROM debian:12\nRUN echo {padding} && apt-get install -y curl && echo {padding}\n"
    diagnostics = lint_text(text, "Dockerfile")
    assert any(d.code == "DW202" for d in diagnostics)
    output = reporter("text")(LintReport((FileResult("Dockerfile", text, tuple(diagnostics)),)))
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Dockerfile:2:") and " DW202 " in line:
            # findings at the same span share the excerpt shown after the last of them
            excerpt = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("     2 | "))
            shown, caret = lines[excerpt], lines[excerpt + 1]
            break
    else:
        raise AssertionError(output)
    assert shown.startswith("     2 | …")
    assert shown.endswith("…")
    assert len(shown) == len("     2 | ") + 162
    column = caret.index("^")
    assert shown[column:].startswith("apt-get install")
    assert len(output) < 600 * len(diagnostics)  # was 10 KB a finding


def test_text_groups_a_large_report_per_file_and_service(tmp_path: Path) -> None:
    """Seven findings on one service read as one block: a header per file and per service, and the
    service's name shown once under the findings that all point at it."""
    from dockwise.cli import main

    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nRUN apk add git\n")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    image: nginx:1.27\n  db:\n    image: postgres:16\n    privileged: true\n"
    )
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        main(["lint", "--color", "never", str(tmp_path / "Dockerfile"), str(tmp_path / "compose.yaml")])
    lines = output.getvalue().splitlines()
    compose = str(tmp_path / "compose.yaml")
    header = next(i for i, line in enumerate(lines) if line.startswith(f"{compose}: "))
    assert re.fullmatch(
        rf"{re.escape(compose)}: \d+ findings \(\d+ errors?, \d+ warnings, \d+ info\)", lines[header]
    )
    assert lines[header + 1].startswith('service "web": ')
    db = lines.index(next(line for line in lines if line.startswith('service "db": ')))
    web_block = lines[header + 2 : db]
    # every finding of web is about the service key on line 2: one excerpt, after the last of them
    assert all(line.startswith(f"{compose}:2:3: DW") for line in web_block[:-2])
    assert web_block[-2:] == ["     2 |   web:", "       |   ^^^^"]
    assert not any(line.startswith(f"{compose}:2:3:") for line in lines[db:])
    assert any(
        line.startswith(f"{tmp_path / 'Dockerfile'}: 1 finding (1 warning), 1 fixable") for line in lines
    )
    document = json.loads(reporter("json")(lint_paths([tmp_path / "compose.yaml"])))
    assert {d["subject"] for d in document["diagnostics"]} == {'service "web"', 'service "db"'}


@pytest.mark.parametrize("target", ["compose", "swarm"])
def test_every_runtime_finding_names_its_service(target: str) -> None:
    """The text report groups runtime findings by service: a rule that forgets the subject lands in a
    block of its own (DW750's stack-deploy findings did)."""
    from dockwise.config import Settings

    fixtures = sorted(Path(__file__).parents[1].glob("rules/DW7*/bad*.yaml"))
    assert fixtures
    report = lint_paths(fixtures, settings=Settings(target=target), target=target)
    # DW700 also reports files that cannot be read at all (no service to name)
    unnamed = [(d.code, d.message) for d in report.diagnostics if d.subject is None and d.code != "DW700"]
    assert report.diagnostics
    assert unnamed == []
