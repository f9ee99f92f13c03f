"""What `dockwise image` reports: figures with the base-image boundary, dive-compatible CI thresholds,
`--compare`, `--fail-on`, JSON, and the progress bar that only a terminal gets."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dockwise.cli import main
from dockwise.image.archive import open_image
from dockwise.image.figures import figures
from dockwise.image.thresholds import ThresholdError, Thresholds, evaluate, read_dive_ci, thresholds
from tests.image.builders import layer_tar, write_archive

MB = 1_000_000


def _base_and_build(tmp_path: Path, name: str = "i.tar") -> Path:
    """Two base layers (ending with the base's CMD), then a build that rewrites a 1 MB file and deletes
    a 2 MB base file."""
    layers = [
        layer_tar([("usr/lib/libbig.so", b"b" * (2 * MB)), ("etc/conf", b"c" * 100)]),
        layer_tar([("usr/bin/tool", b"t" * 500_000)]),
        layer_tar([("app/data.bin", b"d" * MB)]),
        layer_tar([("app/data.bin", b"e" * MB), ("usr/lib/.wh.libbig.so", b"")]),
    ]
    history = [
        "ADD rootfs /",
        "RUN install tool",
        'CMD ["bash"]',
        "COPY data.bin /app/",
        "RUN regenerate && rm",
    ]
    return write_archive(tmp_path / name, layers, history)


def test_figures_use_the_base_boundary_from_the_history(tmp_path: Path) -> None:
    numbers = figures(open_image(str(_base_and_build(tmp_path))))
    assert (numbers.base_layers, numbers.base_from_history) == (2, True)
    assert numbers.size == 2 * MB + 100 + 500_000 + 2 * MB
    assert numbers.final_size == 100 + 500_000 + MB
    assert numbers.user_size == 2 * MB
    assert numbers.wasted == 2 * MB + MB, "the deleted base file and the first data.bin, once each"
    assert numbers.user_wasted == 3 * MB, "both were hidden by this build's layers"
    assert numbers.user_wasted_percent == 1.5
    assert numbers.dive_wasted_bytes == 2 * MB + 2 * MB, "dive: every copy of data.bin plus the deleted file"


def test_without_a_base_marker_the_first_layer_is_the_base(tmp_path: Path) -> None:
    archive = write_archive(
        tmp_path / "i.tar", [layer_tar([("a", b"1")]), layer_tar([("b", b"2")])], ["x", "y"]
    )
    numbers = figures(open_image(str(archive)))
    assert (numbers.base_layers, numbers.base_from_history, numbers.user_size) == (1, False, 1)


def test_dive_ci_file_keys_units_and_disabled_rules(tmp_path: Path) -> None:
    config = tmp_path / ".dive-ci"
    config.write_text(
        "rules:\n  lowestEfficiency: 0.95\n  highest-wasted-bytes: 20MiB\n"
        "  highestUserWastedPercent: disabled\n"
    )
    assert thresholds(read_dive_ci(config)) == Thresholds(0.95, 20 * 1024 * 1024, None)
    assert thresholds({"highestWastedBytes": "20MB"}).highest_wasted_bytes == 20_000_000
    assert thresholds({"highestWastedBytes": "1.5 kb"}).highest_wasted_bytes == 1500
    assert thresholds({"lowestEfficiency": "off", "highestWastedBytes": False}) == Thresholds()
    for bad, message in [
        ("rules:\n  lowestEfficiency: 2\n", "from 0 to 1"),
        ("rules:\n  highestWastedBytes: lots\n", "a size such as 20MB"),
        ("rules:\n  lowestEfficency: 0.9\n", "unknown rule 'lowestEfficency'"),
        ("nothing: here\n", "no `rules:` mapping"),
        ("rules: [\n", "not YAML"),
    ]:
        config.write_text(bad)
        with pytest.raises(ThresholdError, match=message):
            read_dive_ci(config)


def test_thresholds_compare_the_way_dive_does(tmp_path: Path) -> None:
    numbers = figures(open_image(str(_base_and_build(tmp_path))))
    verdicts = evaluate(Thresholds(0.1, 3 * MB, 1.5), numbers)
    assert [(v.rule, v.status) for v in verdicts] == [
        ("lowestEfficiency", "PASS"),
        ("highestWastedBytes", "PASS"),
        ("highestUserWastedPercent", "PASS"),
    ], "equal to the limit passes: dive fails only above it"
    verdicts = evaluate(Thresholds(0.99, 3 * MB - 1, None), numbers)
    assert [v.status for v in verdicts] == ["FAIL", "FAIL", "SKIP"]


def test_cli_thresholds_fail_the_run_and_appear_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _base_and_build(tmp_path)
    monkeypatch.chdir(tmp_path)
    quiet = ["--ignore", "DW801,DW802", "--no-cache"]
    assert main(["image", *quiet, "--highest-wasted-bytes", "10MB", str(archive)]) == 0
    assert "PASS  highestWastedBytes" in capsys.readouterr().out
    (tmp_path / ".dive-ci").write_text("rules:\n  highestUserWastedPercent: 0.2\n")
    assert main(["image", *quiet, "--format", "json", str(archive)]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["ci"] == [
        {"rule": "lowestEfficiency", "status": "SKIP", "detail": "rule disabled"},
        {"rule": "highestWastedBytes", "status": "SKIP", "detail": "rule disabled"},
        {
            "rule": "highestUserWastedPercent",
            "status": "FAIL",
            "detail": "user wasted 1.5000, highest allowed 0.2",
        },
    ]
    assert (document["wasted"], document["user_wasted"], document["base_layers"]) == (3 * MB, 3 * MB, 2)
    assert main(["image", *quiet, "--highest-user-wasted-percent", "disabled", str(archive)]) == 0, (
        "flag wins"
    )
    capsys.readouterr()
    (tmp_path / ".dive-ci").write_text("rules: {lowestEfficiency: high}\n")
    assert main(["image", *quiet, str(archive)]) == 2
    assert "lowestEfficiency must be a number" in capsys.readouterr().err


def test_fail_on_and_config_for_image_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = _base_and_build(tmp_path)
    assert main(["image", "--no-cache", str(archive)]) == 1, "DW801 (warning) fails by default"
    assert main(["image", "--no-cache", "--fail-on", "error", str(archive)]) == 0
    assert main(["image", "--no-cache", "--exit-zero", str(archive)]) == 0
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.dockwise]\nignore = ["DW801"]\n[tool.dockwise.severity]\nDW802 = "error"\n')
    capsys.readouterr()
    assert main(["image", "--no-cache", "--config", str(config), "--format", "json", str(archive)]) == 1
    codes = {(d["code"], d["severity"]) for d in json.loads(capsys.readouterr().out)["diagnostics"]}
    assert codes == {("DW802", "error")}


def test_compare_reports_sizes_and_changed_directories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    single = _base_and_build(tmp_path, "single.tar")
    slim = write_archive(
        tmp_path / "slim.tar",
        [layer_tar([("etc/conf", b"c" * 100)]), layer_tar([("app/data.bin", b"e" * MB)])],
        ["ADD rootfs /", "COPY data.bin /app/"],
    )
    assert main(["image", "--no-cache", str(single), "--compare", str(slim), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["before"]["size"] - document["after"]["size"] == 3_500_000
    assert document["directories"] == [
        {"path": "/usr/bin", "before": 500_000, "after": 0, "delta": -500_000},
    ], "/app and /etc are the same size in both; libbig.so is not in the single image's final filesystem"
    assert main(["image", "--no-cache", str(single), "--compare", str(slim)]) == 0
    text = capsys.readouterr().out
    assert "-3.5 MB (-77.8%)" in text.splitlines()[1]
    assert "-500.0 kB  /usr/bin  (500.0 kB → 0 B)" in text


def test_the_progress_bar_draws_only_on_a_terminal(tmp_path: Path) -> None:
    from rich.console import Console

    from dockwise.image.archive import ReadOptions
    from dockwise.image.progress import ByteProgress, wanted

    assert not wanted(io.StringIO())
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    archive = _base_and_build(tmp_path)
    with ByteProgress("reading test image", console=console) as progress:
        open_image(str(archive), ReadOptions(progress=progress))
        task = progress._progress.tasks[0]
        assert task.total == archive.stat().st_size
        assert task.completed >= 4 * MB, "every layer's bytes were counted"
    assert "reading test image" in screen.getvalue()
