"""`dockwise report`'s page, read back as HTML: each section carries the figures of the command it shows
(lint, graph, image and compare, verify, scan), escaped, and bad inputs are clear errors."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.cli.test_cli import run, write
from tests.image.builders import layer_tar, write_archive

MULTI_STAGE = (
    "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n"
    "WORKDIR app<script>alert(1)</script>\n"
)


class _Collector(HTMLParser):
    """The page's text per element class, to check what a reader sees (not the markup)."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[str] = []
        self.stack: list[str] = []
        self.text: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "meta", "input", "img", "path", "rect", "marker"):
            return
        self.stack.append(dict(attrs).get("class") or tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "meta", "input", "img", "path", "rect", "marker"):
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and data.strip():
            self.text.setdefault(self.stack[-1], []).append(data.strip())


def page(path: Path) -> tuple[str, _Collector]:
    html = path.read_text()
    collector = _Collector()
    collector.feed(html)
    return html, collector


def test_findings_overview_and_stage_graph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "Dockerfile", MULTI_STAGE)
    write(tmp_path / "compose.yaml", "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n")
    output = tmp_path / "out" / "report.html"
    (tmp_path / "out").mkdir()
    status, out, _ = run(
        capsys, "report", str(tmp_path / "Dockerfile"), str(tmp_path / "compose.yaml"), "-o", str(output)
    )
    assert status == 0
    _, listing, _ = run(
        capsys,
        "lint",
        "--format",
        "json",
        "--exit-zero",
        str(tmp_path / "Dockerfile"),
        str(tmp_path / "compose.yaml"),
    )
    diagnostics = json.loads(listing)["diagnostics"]
    assert out.strip() == f"{output}: {len(diagnostics)} findings in 2 files"
    html, text = page(output)
    assert html.count('<div class="finding" data-severity=') == len(diagnostics)
    assert "<script src=" not in html
    assert "<link " not in html
    assert 'data-stage="build"' in html  # the multi-stage Dockerfile's graph, inlined
    assert "<script>alert(1)" not in html  # messages and source excerpts are escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'service "web"' in text.text["subject"]
    codes = {d["code"] for d in diagnostics}
    assert {option for option in re.findall(r"<option>(DW\d+)</option>", html)} == codes


def test_image_compare_verify_and_scan_sections(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\n")
    big = b"x" * 300_000
    before = write_archive(
        tmp_path / "before.tar",
        [
            layer_tar([("data", None), ("data/big.bin", big)]),
            layer_tar([("data/.wh.big.bin", b""), ("app", b"a" * 10)]),
        ],
        ["ADD rootfs /", "RUN rm /data/big.bin"],
    )
    after = write_archive(tmp_path / "after.tar", [layer_tar([("app", b"a" * 10)])], ["COPY app /app"])
    verify = write(
        tmp_path / "verify.json",
        json.dumps(
            {
                "subject": "Dockerfile",
                "failed": False,
                "probes": [
                    {
                        "name": "health",
                        "status": "PASS",
                        "summary": "healthy after 2.0 s",
                        "values": {"seconds": 2.0},
                    },
                    {
                        "name": "sigterm",
                        "status": "PASS",
                        "summary": "stops",
                        "values": {"stop_seconds": 0.5, "exit_code": 0, "grace_seconds": 10},
                    },
                    {
                        "name": "limits",
                        "status": "PASS",
                        "summary": "peak",
                        "values": {"peak_bytes": 64 << 20, "limit_bytes": 256 << 20},
                    },
                ],
            }
        ),
    )
    scan = write(
        tmp_path / "scan.json",
        json.dumps(
            {
                "target": "app:1",
                "vulnerabilities": [{"severity": "HIGH"}, {"severity": "HIGH"}, {"severity": "LOW"}],
            }
        ),
    )
    output = tmp_path / "report.html"
    inputs = ["--image", str(before), "--compare", str(after), "--verify-json", str(verify)]
    inputs += ["--scan-json", str(scan)]
    status, _, err = run(
        capsys, "report", str(tmp_path / "Dockerfile"), "-o", str(output), "--no-cache", *inputs
    )
    assert status == 0, err
    html, text = page(output)
    labels = text.text["layer-label"]
    assert labels == [
        "ADD rootfs /",
        "RUN rm /data/big.bin",
    ]  # a bar per layer, labelled with its instruction
    assert re.search(r'class="wasted" style="width: 100\.0%"', html)  # layer 0's bytes are all hidden later
    assert "data/big.bin" not in text.text.get("td", [])  # deleted: not among the final largest files
    assert "Compared with " + str(after) in " ".join(text.text["h3"])
    assert "start → healthy 2.0 s" in text.text["start"]
    assert "SIGTERM → exit 0 in 0.5 s" in text.text["stop"]
    assert re.search(r'<div class="meter"><div style="width: 25\.0%">', html)  # 64 MiB of 256 MiB
    assert "Vulnerabilities in app:1: 3" in text.text["h2"]
    assert re.search(r"<td>HIGH</td><td class=\"num\">2</td>", html)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--compare", "x.tar"], "--compare needs --image"),
        (["--verify-json", "missing.json"], "cannot read"),
        (["--scan-json", "Dockerfile"], "not JSON"),
        (["--image", "nope.tar"], "nope.tar"),
    ],
)
def test_bad_inputs_are_clear_errors(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    message: str,
) -> None:
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\n")
    monkeypatch.chdir(tmp_path)
    status, _, err = run(capsys, "report", "Dockerfile", "-o", "r.html", "--no-cache", *arguments)
    assert status == 2
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "r.html").exists()
