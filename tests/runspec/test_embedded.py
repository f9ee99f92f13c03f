"""docker run lines inside Makefiles and CI files: found, and pointed at in the real file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwise.cli import main
from dockwise.runspec.docker_run import runspecs_in_script
from dockwise.runspec.embedded import ci_shadow, is_ci_file, makefile_shadow

MAKEFILE = (
    "build:\n\tdocker build -t app .\n\n"
    "run: build\n\t@docker run --rm -p 8080:80 \\\n\t  --cap-add SYS_ADMIN app\n"
)
WORKFLOW = """name: ci
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    env: {IMAGE: "docker run --privileged not-a-script"}
    steps:
      - run: docker run --privileged busybox true
      - name: more
        run: |
          set -e
          docker run -d \\
            -v /var/run/docker.sock:/var/run/docker.sock \\
            example/ci:1
      - run: "docker run -m 64m alpine:3.20"
"""


def test_shadows_keep_the_length_and_only_the_scripts() -> None:
    for text, shadow in ((MAKEFILE, makefile_shadow(MAKEFILE)), (WORKFLOW, ci_shadow(WORKFLOW))):
        assert len(shadow) == len(text)
        assert [i for i, c in enumerate(text) if c == "\n"] == [i for i, c in enumerate(shadow) if c == "\n"]
    assert "build:" not in makefile_shadow(MAKEFILE)
    assert "not-a-script" not in ci_shadow(WORKFLOW)


def test_makefile_recipes() -> None:
    specs = list(runspecs_in_script(makefile_shadow(MAKEFILE), "Makefile"))
    assert [(s.image, s.cap_add) for s in specs] == [("app", ("SYS_ADMIN",))]
    where = specs[0].location("cap_add")
    assert MAKEFILE[where.start : where.end] == "--cap-add SYS_ADMIN"


def test_workflow_steps_plain_block_and_quoted() -> None:
    specs = list(runspecs_in_script(ci_shadow(WORKFLOW), "ci.yml"))
    assert [(s.image, s.privileged, s.memory) for s in specs] == [
        ("busybox", True, None),
        ("example/ci:1", False, None),
        ("alpine:3.20", False, 64 * 1024**2),
    ]
    mount = specs[1].location("volumes")
    assert WORKFLOW[mount.start : mount.end] == "-v /var/run/docker.sock:/var/run/docker.sock"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".github/workflows/ci.yml", True),
        (".gitlab-ci.yml", True),
        ("ci.yml", False),
        ("workflows/x.yml", False),
    ],
)
def test_ci_file_names(path: str, expected: bool) -> None:
    assert is_ci_file(Path(path)) is expected


def test_check_finds_them_in_a_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    (tmp_path / "Makefile").write_text(MAKEFILE)
    (tmp_path / ".gitlab-ci.yml").write_text(
        "t:\n  script:\n    - docker run --network host alpine:3.20 true\n"
    )
    assert main(["check", "--isolated", "--select", "DW710,DW712,DW720,DW721", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "ci.yml:8:25: DW710" in out
    assert "Makefile:6:4: DW712" in out
    assert ".gitlab-ci.yml:3:18: DW720" in out
    assert "ci.yml:13:13: DW721" in out


def test_docker_run_lines_in_dockerfile_comments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "# Run it with:\n#   docker run --privileged -p 8080:80 example/app\nFROM alpine:3.20\n"
        'CMD ["sleep", "1"]\n'
    )
    assert main(["lint", "--isolated", "--select", "DW710,DW723", "--format", "json", str(dockerfile)]) == 1
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("DW710", 2, 16), ("DW723", 2, 29)]
