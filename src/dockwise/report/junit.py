"""JUnit XML: one test suite per file, one failing test case per finding (a clean file passes)."""

from __future__ import annotations

from xml.etree import ElementTree

from dockwise.diagnostics import SourceText
from dockwise.lint import LintReport
from dockwise.report.positions import span_of


def render(report: LintReport) -> str:
    root = ElementTree.Element("testsuites", name="dockwise")
    total = failures = errors = 0
    for result in report.files:
        suite = ElementTree.SubElement(root, "testsuite", name=result.path)
        if result.error:
            case = ElementTree.SubElement(suite, "testcase", classname=result.path, name="read")
            ElementTree.SubElement(case, "error", message=result.error)
            suite.set("tests", "1")
            suite.set("failures", "0")
            suite.set("errors", "1")
            total += 1
            errors += 1
            continue
        source = SourceText(result.path, result.text) if result.text is not None else None
        if not result.diagnostics:
            ElementTree.SubElement(suite, "testcase", classname=result.path, name="dockwise")
        for diagnostic in result.diagnostics:
            span = span_of(diagnostic, source)
            where = f"{result.path}:{span.start.line}:{span.start.column}" if span else result.path
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=result.path,
                name=f"{diagnostic.code} {diagnostic.rule} ({where})",
            )
            failure = ElementTree.SubElement(
                case, "failure", message=diagnostic.message, type=f"{diagnostic.code} [{diagnostic.severity}]"
            )
            failure.text = f"{where}: {diagnostic.code} [{diagnostic.severity}] {diagnostic.message}"
        count = max(1, len(result.diagnostics))
        suite.set("tests", str(count))
        suite.set("failures", str(len(result.diagnostics)))
        suite.set("errors", "0")
        total += count
        failures += len(result.diagnostics)
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
