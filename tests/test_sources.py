"""Unsaved editor buffers stand in for their files inside `unsaved(...)`, and only there."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise.limits import MAX_SOURCE_BYTES
from dockwise.lint import SourceTooLarge, read_source
from dockwise.runspec.compose import ComposeError, load_compose
from dockwise.sources import unsaved


def test_a_buffer_replaces_its_file_within_the_block_only(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text("services:\n  web:\n    image: nginx:1.27\n")
    with unsaved({path: "services:\n  api:\n    image: app:1\n    privileged: true\n"}):
        assert "api" in read_source(path)
        project = load_compose([path], environment={})
        assert list(project.services) == ["api"]
        assert project.services["api"].privileged
    assert list(load_compose([path], environment={}).services) == ["web"]


def test_a_buffer_needs_no_file_and_the_other_files_come_from_disk(tmp_path: Path) -> None:
    base = tmp_path / "compose.yaml"
    base.write_text("services:\n  api:\n    image: app:1\n    mem_limit: 256m\n")
    overlay = tmp_path / "compose.prod.yaml"
    with unsaved({overlay: "services:\n  api:\n    read_only: true\n"}):
        project = load_compose([base, overlay], environment={})
    assert project.services["api"].read_only
    assert project.services["api"].memory == 256 * 1024 * 1024
    assert not overlay.exists()


def test_a_huge_buffer_is_refused_like_a_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    huge = "x" * (MAX_SOURCE_BYTES + 1)
    with unsaved({path: huge}):
        with pytest.raises(SourceTooLarge):
            read_source(path)
        with pytest.raises(ComposeError, match="cannot read"):
            load_compose([path], environment={})
