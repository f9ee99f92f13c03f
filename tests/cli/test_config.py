"""Configuration end to end through the CLI: discovery, keys, hadolint's file, flags over files, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwise.cli import main

DOCKERFILE = "FROM node:latest\nMAINTAINER someone\nEXPOSE 3000\nCMD node server.js\n"


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[tuple[str, str]], str]:
    status = main(["lint", "--format", "json", *argv])
    captured = capsys.readouterr()
    diagnostics = json.loads(captured.out)["diagnostics"] if captured.out else []
    return status, [(d["code"], d["severity"]) for d in diagnostics], captured.err


def test_pyproject_table_selects_ignores_and_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.dockwise]\nignore = ["DL4000"]\n'
            '[tool.dockwise.severity]\nmissing-healthcheck = "error"\n',
            "svc/Dockerfile": DOCKERFILE,
        },
    )
    status, found, _ = run(capsys, str(root / "svc"))
    assert status == 1
    assert found == [("DW101", "warning"), ("DW301", "warning"), ("DW402", "error"), ("DW401", "warning")]


def test_dedicated_file_wins_over_pyproject_and_fail_on_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(
        tmp_path,
        {
            "pyproject.toml": '[tool.dockwise]\nselect = ["DW503"]\n',
            ".dockwise.toml": 'select = ["DW4"]\nfail-on = "error"\n',
            "Dockerfile": DOCKERFILE,
        },
    )
    status, found, _ = run(capsys, str(root))
    assert [code for code, _ in found] == ["DW402", "DW401"]
    assert status == 0, "only warnings and infos were found and fail-on is error"
    status, _, _ = run(capsys, "--fail-on", "warning", str(root))
    assert status == 1, "the flag wins over the file"


def test_per_file_ignores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(
        tmp_path,
        {
            "dockwise.toml": '[per-file-ignores]\n"legacy/**" = ["DW1", "DW3"]\n',
            "legacy/old/Dockerfile": DOCKERFILE,
            "new/Dockerfile": DOCKERFILE,
        },
    )
    main(["lint", "--format", "json", str(root)])
    by_file: dict[str, set[str]] = {}
    for d in json.loads(capsys.readouterr().out)["diagnostics"]:
        by_file.setdefault(Path(d["path"]).parent.name, set()).add(d["code"])
    assert by_file["old"] == {"DW402", "DW401", "DW503"}
    assert by_file["new"] == {"DW101", "DW301", "DW402", "DW401", "DW503"}


def test_hadolint_config_is_read_when_there_is_no_dockwise_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(
        tmp_path,
        {
            ".hadolint.yaml": "ignored:\n  - DL3007\n  - DL4000\noverride:\n  error:\n    - DL3025\n"
            "failure-threshold: error\n",
            "Dockerfile": DOCKERFILE,
        },
    )
    status, found, _ = run(capsys, str(root))
    assert found == [("DW301", "warning"), ("DW402", "info"), ("DW401", "error")]
    assert status == 1
    (root / ".hadolint.yaml").write_text("failure-threshold: none\n", encoding="utf-8")
    status, found, _ = run(capsys, str(root))
    assert found
    assert status == 0


def test_isolated_and_explicit_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(
        tmp_path,
        {
            ".dockwise.toml": 'select = ["DW503"]\n',
            "other.toml": 'select = ["DW101"]\n',
            "Dockerfile": DOCKERFILE,
        },
    )
    assert [c for c, _ in run(capsys, str(root))[1]] == ["DW503"]
    assert [c for c, _ in run(capsys, "--config", str(root / "other.toml"), str(root))[1]] == ["DW101"]
    assert len(run(capsys, "--isolated", str(root))[1]) == 5


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('selct = ["DW1"]\n', "unknown key 'selct'"),
        ('fail-on = "fatal"\n', "fail-on must be one of error, warning, info, style; not 'fatal'"),
        ("ignore = 3\n", "ignore must be a string or a list of strings"),
        ("select = [\n", "not valid TOML"),
    ],
)
def test_bad_config_is_a_clear_error_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, message: str
) -> None:
    root = project(tmp_path, {".dockwise.toml": config, "Dockerfile": DOCKERFILE})
    status, found, err = run(capsys, str(root))
    assert status == 2
    assert found == []
    assert f"{root / '.dockwise.toml'}: " in err
    assert message in err
    assert "Traceback" not in err


def test_hadolint_label_schema_and_trusted_registries_drive_the_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(
        tmp_path,
        {
            ".hadolint.yaml": "trustedRegistries: [docker.io]\n"
            "label-schema:\n  maintainer: email\n  org.opencontainers.image.source: url\n",
            "Dockerfile": "FROM quay.io/acme/base:1.0\nLABEL maintainer=bob\n",
        },
    )
    _, found, _ = run(capsys, "--select", "DL3026,DL3049,DL3058", str(root))
    assert sorted(code for code, _ in found) == ["DW150", "DW550", "DW551"]
    (root / "Dockerfile").write_text(
        "FROM debian:bookworm-slim\n"
        "LABEL maintainer=bob@example.com org.opencontainers.image.source=https://example.com/app\n",
        encoding="utf-8",
    )
    _, found, _ = run(capsys, "--select", "DL3026,DL3049,DL3058", str(root))
    assert found == []


def test_strict_labels_and_label_types_from_the_dockwise_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(
        tmp_path,
        {
            ".dockwise.toml": 'strict-labels = true\nselect = ["labels-metadata"]\n'
            '[required-labels]\n"org.opencontainers.image.version" = "semver"\n',
            "Dockerfile": "FROM scratch\nLABEL org.opencontainers.image.version=v1 vendor=acme\n",
        },
    )
    _, found, _ = run(capsys, str(root))
    assert sorted(code for code, _ in found) == ["DW551", "DW552"]


def test_an_unknown_label_type_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(
        tmp_path,
        {".dockwise.toml": '[required-labels]\nversion = "number"\n', "Dockerfile": "FROM scratch\n"},
    )
    status, found, err = run(capsys, str(root))
    assert status == 2
    assert found == []
    assert ".dockwise.toml: required-labels.version must be one of text, url" in err


PINNING = "FROM debian:12.5@sha256:" + "a" * 64 + "\nRUN apt-get install -y --no-install-recommends curl\n"


def test_opt_in_rules_run_only_when_selected_or_given_a_severity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, {"Dockerfile": PINNING})
    _, found, _ = run(capsys, "--isolated", str(root))
    assert "DW210" not in {code for code, _ in found}, "version pinning is opt-in"
    _, found, _ = run(capsys, "--isolated", "--select", "DL3008", str(root))
    assert found == [("DW210", "warning")]
    _, found, _ = run(capsys, "--isolated", "--select", "ALL", str(root))
    assert ("DW210", "warning") in found
    (root / ".hadolint.yaml").write_text("override:\n  info:\n    - DL3008\n", encoding="utf-8")
    _, found, _ = run(capsys, str(root))
    assert ("DW210", "info") in found, "hadolint turns an off rule on by giving it a severity"
    (root / ".dockwise.toml").write_text('[severity]\napt-unpinned-package = "error"\n', encoding="utf-8")
    _, found, _ = run(capsys, str(root))
    assert ("DW210", "error") in found


def test_the_deployment_target_comes_from_the_config_unless_the_flag_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(
        tmp_path,
        {
            ".dockwise.toml": 'target = "swarm"\n',
            "compose.yaml": "services:\n  a:\n    image: x\n    mem_limit: 1g\n",
        },
    )
    _, found, _ = run(capsys, "--select", "DW750", str(root))
    assert found == [("DW750", "warning")]
    _, found, _ = run(capsys, "--select", "DW750", "--target", "compose", str(root))
    assert found == []
    (root / ".dockwise.toml").write_text('target = "kubernetes"\n')
    status, _, err = run(capsys, str(root))
    assert status == 2
    assert "target must be one of compose, swarm" in err


def test_min_stop_grace_period_is_configurable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, {"compose.yaml": "services:\n  a:\n    image: x\n    stop_grace_period: 20s\n"})
    _, found, _ = run(capsys, "--select", "DW742", str(root))
    assert found == []
    (root / ".dockwise.toml").write_text('min-stop-grace-period = "1m"\n')
    _, found, _ = run(capsys, "--select", "DW742", str(root))
    assert found == [("DW742", "warning")]
    (root / ".dockwise.toml").write_text('min-stop-grace-period = "soon"\n')
    status, _, err = run(capsys, str(root))
    assert status == 2
    assert "min-stop-grace-period must be a duration" in err


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_each_file_is_linted_with_the_config_nearest_to_it_whatever_the_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], order: tuple[str, str]
) -> None:
    """Before, the first path's config applied to every file: `lint b a` ignored DW402 in a as well."""
    root = project(
        tmp_path,
        {
            "a/.dockwise.toml": 'select = ["DW402"]\n',
            "a/Dockerfile": DOCKERFILE,
            "a/compose.yaml": "services:\n  x:\n    image: x\n    privileged: true\n",
            "b/pyproject.toml": '[tool.dockwise]\nignore = ["DW402"]\nfail-on = "error"\n',
            "b/Dockerfile": DOCKERFILE,
            "b/compose.yaml": "services:\n  x:\n    image: x\n    ports: ['80:80']\n",
        },
    )
    status = main(["lint", "--format", "json", *(str(root / name) for name in order)])
    diagnostics = json.loads(capsys.readouterr().out)["diagnostics"]
    by_folder: dict[str, set[str]] = {"a": set(), "b": set()}
    for d in diagnostics:
        by_folder[Path(str(d["path"])).parent.name].add(str(d["code"]))
    assert by_folder["a"] == {"DW402"}, "a selects DW402 only (its Compose file has no DW402 finding)"
    assert "DW402" not in by_folder["b"]
    assert any(code.startswith("DW7") for code in by_folder["b"])
    assert status == 1, "a's config fails on any finding"
    status = main(["lint", "--format", "json", str(root / "b")])
    capsys.readouterr()
    assert status == 0, "b's findings are below its own fail-on"


def test_settings_by_file_agree_with_find_config_and_read_each_config_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dockwise import config

    root = project(
        tmp_path,
        {
            "pyproject.toml": '[tool.dockwise]\nignore = ["DW101"]\n',
            "a/b/c/Dockerfile": "",
            "a/.hadolint.yaml": "ignored: [DL3007]\n",
            "d/.dockwise.toml": 'ignore = ["DW102"]\n',
            "d/e/Dockerfile": "",
            "f/g/Dockerfile": "",
        },
    )
    reads: list[Path] = []
    read_toml = config._read_toml

    def counting(path: Path) -> dict[str, object]:
        reads.append(path)
        return read_toml(path)

    monkeypatch.setattr(config, "_read_toml", counting)
    by_file = config.SettingsByFile(lambda settings: settings)
    for relative in ("a/b/c/Dockerfile", "d/e/Dockerfile", "f/g/Dockerfile", "a/b/c", "d"):
        path = root / relative
        assert by_file.for_path(path).source == config.find_config(path), relative
    reads.clear()
    fresh = config.SettingsByFile(lambda settings: settings)
    for relative in ("a/b/c/Dockerfile", "f/g/Dockerfile", "d/e/Dockerfile"):
        fresh.for_path(root / relative)
    assert reads.count(root / "pyproject.toml") == 2, "once to find it, once to load it"
