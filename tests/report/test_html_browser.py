"""The HTML report in a real browser: Debian's chromium, headless (installed by scripts/engine-setup).

The page is opened from disk, its script runs, and the DOM chromium ends with is read back
(`--dump-dom`): the counts it shows must be the JSON report's, the filters (kept in the URL's fragment)
must hide exactly what they say, and the browser's console must stay free of errors. A screenshot is saved
for a person to look at (`DOCKWISE_TEST_ARTIFACTS`, default build/test-artifacts/report.png).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from dockwise.cli import main
from tests.conftest import in_ci

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    reason = "Debian's chromium is not installed (scripts/engine-setup installs it as root)"
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


def headless(*arguments: str, url: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",  # the tests run as root in CI
        "--disable-gpu",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
        *arguments,
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def console_messages(stderr: str) -> list[str]:
    """Everything the page wrote to the console or threw: chromium logs both as CONSOLE lines, at INFO
    level whatever the page's level, so the report must log nothing at all."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_the_console_check_sees_errors_and_exceptions(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text('<html><body><script>console.error("boom"); notAFunction();</script></body></html>')
    messages = console_messages(headless("--dump-dom", url=page.as_uri()).stderr)
    assert any('"boom"' in line for line in messages)
    assert any("Uncaught ReferenceError" in line for line in messages)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    folder = tmp_path_factory.mktemp("report")
    page = folder / "report.html"
    assert main(["report", str(EXAMPLES), "-o", str(page)]) == 0
    listing = folder / "findings.json"
    import contextlib
    import io

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        main(["lint", "--format", "json", "--exit-zero", str(EXAMPLES)])
    listing.write_text(output.getvalue())
    return page, json.loads(output.getvalue())


def shown(dom: str) -> int:
    match = re.search(r'id="shown-count"[^>]*data-shown="(\d+)"', dom) or re.search(
        r'data-shown="(\d+)"[^>]*id="shown-count"', dom
    )
    assert match, "the page's script did not run (no data-shown on #shown-count)"
    return int(match.group(1))


def visible_findings(dom: str) -> list[str]:
    return re.findall(
        r'<div class="finding" data-severity="(\w+)" data-category="[\w-]+" data-rule="(\w+)"', dom
    )


def test_the_page_shows_the_json_reports_counts_without_console_messages(
    report: tuple[Path, dict[str, object]],
) -> None:
    page, listing = report
    diagnostics = listing["diagnostics"]
    assert isinstance(diagnostics, list)
    done = headless("--dump-dom", url=page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    dom = done.stdout
    assert shown(dom) == len(diagnostics)
    by_severity = Counter(d["severity"] for d in diagnostics)
    for severity in ("error", "warning", "info", "style"):
        assert f'data-severity-count="{severity}">{by_severity[severity]}<' in dom
    assert len(re.findall(r'class="finding" data-severity=', dom)) == len(diagnostics)


@pytest.mark.parametrize(
    ("fragment", "keep"),
    [
        ("severity=error", lambda d: d["severity"] == "error"),
        ("rule=DW701", lambda d: d["code"] == "DW701"),
        (
            "category=runtime-hardening&severity=warning",
            lambda d: d["category"] == "runtime-hardening" and d["severity"] == "warning",
        ),
        ("q=privileged", None),
    ],
)
def test_filters_in_the_fragment_hide_exactly_the_rest(
    report: tuple[Path, dict[str, object]], fragment: str, keep: object
) -> None:
    page, listing = report
    diagnostics = listing["diagnostics"]
    assert isinstance(diagnostics, list)
    done = headless("--dump-dom", url=f"{page.as_uri()}#{fragment}")
    assert console_messages(done.stderr) == []
    dom = done.stdout
    hidden = len(re.findall(r'class="finding hidden"', dom))
    if keep is None:  # the text search: every shown finding mentions it
        assert 0 < shown(dom) < len(diagnostics)
    else:
        assert callable(keep)
        expected = sum(1 for d in diagnostics if keep(d))
        assert expected > 0
        assert shown(dom) == expected
    assert hidden == len(diagnostics) - shown(dom)


def test_a_screenshot_a_person_can_look_at(report: tuple[Path, dict[str, object]]) -> None:
    page, _ = report
    folder = Path(os.environ.get("DOCKWISE_TEST_ARTIFACTS", REPO / "build" / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    picture = folder / "report.png"
    picture.unlink(missing_ok=True)
    done = headless(
        "--screenshot=" + str(picture), "--window-size=1280,1000", "--hide-scrollbars", url=page.as_uri()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = picture.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 1000)
    assert len(data) > 20_000  # a blank page compresses to a few KB
