"""The Compose refusal and secret rules on whole projects: what `.env`, overlays and `include` change."""

from __future__ import annotations

from pathlib import Path

from dockwise.config import Settings
from dockwise.runtime_lint import lint_runtime_group, runtime_rules


def codes(*paths: Path) -> list[str]:
    results = lint_runtime_group(tuple(paths), runtime_rules(), Settings())
    return [d.code for result in results for d in result.diagnostics]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


SHELL_VARIABLE = (
    "services:\n  api:\n    image: x\n    environment:\n      PORT: 8080\n    command: serve --port $PORT\n"
)


def test_a_variable_the_dotenv_defines_is_meant_for_compose(tmp_path: Path) -> None:
    path = write(tmp_path, "compose.yaml", SHELL_VARIABLE)
    assert "DW707" in codes(path)
    write(tmp_path, ".env", "PORT=8080\n")
    assert "DW707" not in codes(path)


def test_a_variable_passed_through_is_the_same_for_both(tmp_path: Path) -> None:
    text = SHELL_VARIABLE.replace("PORT: 8080", "PORT: ${PORT}")
    assert "DW707" not in codes(write(tmp_path, "compose.yaml", text))


UNDECLARED = "services:\n  db:\n    image: x\n    volumes: [data:/var/lib/data]\nvolumes:\n  other:\n"


def test_an_undeclared_volume_is_refused(tmp_path: Path) -> None:
    assert codes(write(tmp_path, "compose.yaml", UNDECLARED)).count("DW705") == 1


def test_an_overlay_alone_may_use_what_its_base_declares(tmp_path: Path) -> None:
    assert "DW705" not in codes(write(tmp_path, "compose.debug.yaml", UNDECLARED))


def test_the_overlay_merged_with_its_base_is_checked(tmp_path: Path) -> None:
    base = write(tmp_path, "compose.yaml", "services:\n  db:\n    image: x\nvolumes:\n  data:\n")
    override = write(tmp_path, "compose.override.yaml", "services:\n  db:\n    volumes: [data:/d, logs:/l]\n")
    assert codes(base, override).count("DW705") == 1  # logs only: data is declared by the base


def test_a_project_with_include_is_not_checked_for_declarations(tmp_path: Path) -> None:
    write(tmp_path, "volumes.yaml", "volumes:\n  data:\n")
    path = write(tmp_path, "compose.yaml", "include: [volumes.yaml]\n" + UNDECLARED)
    assert "DW705" not in codes(path)
