"""Finding Dockerfiles: names, recursion, skipped folders, .gitignore and .dockerignore, problems."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockwise.discovery import DockerIgnore, discover_dockerfiles, is_dockerfile_name
from tests.conftest import SUMMARY_LINES, corpus_manifest


@pytest.mark.parametrize(
    "name",
    [
        "Dockerfile", "dockerfile", "Containerfile", "Dockerfile.dev", "Dockerfile-alpine",
        "Dockerfile_windows", "api.Dockerfile", "build.dockerfile", "Containerfile.ubi9", "ci-dockerfile",
    ],
)  # fmt: skip
def test_dockerfile_names(name: str) -> None:
    assert is_dockerfile_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "Dockerfile.dockerignore", "Dockerfile.md", "Dockerfile.template", "Dockerfile.j2", "dockerfile.go",
        "docker-compose.yml", "README.md", "Dockerfiles", "MyDockerfileNotes", "Dockerfile.orig",
    ],
)  # fmt: skip
def test_names_that_are_not_dockerfiles(name: str) -> None:
    assert not is_dockerfile_name(name)


def touch(root: Path, relative: str, text: str = "FROM scratch\n") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def found(root: Path, *extra: str) -> list[str]:
    discovery = discover_dockerfiles([root, *extra])
    return [path.relative_to(root).as_posix() for path in discovery.files]


def test_recursion_skips_vcs_and_dependency_folders(tmp_path: Path) -> None:
    for relative in ("Dockerfile", "svc/a/Dockerfile", ".git/Dockerfile", "web/node_modules/x/Dockerfile",
                     "svc/b/Containerfile", "svc/b/notes.md", ".venv/lib/Dockerfile"):  # fmt: skip
        touch(tmp_path, relative)
    assert found(tmp_path) == ["Dockerfile", "svc/a/Dockerfile", "svc/b/Containerfile"]


def test_nested_gitignore_with_negation_and_directory_patterns(tmp_path: Path) -> None:
    touch(tmp_path, ".gitignore", "build/\nDockerfile.*\n!Dockerfile.prod\n")
    touch(tmp_path, "build/Dockerfile")
    touch(tmp_path, "Dockerfile.dev")
    touch(tmp_path, "Dockerfile.prod")
    touch(tmp_path, "app/.gitignore", "!Dockerfile.local\nDockerfile\n")
    touch(tmp_path, "app/Dockerfile")
    touch(tmp_path, "app/Dockerfile.local")
    touch(tmp_path, "other/Dockerfile")
    assert found(tmp_path) == ["Dockerfile.prod", "app/Dockerfile.local", "other/Dockerfile"]


def test_a_dockerignore_hides_no_dockerfile(tmp_path: Path) -> None:
    """opentelemetry-demo lists `src/*/Dockerfile` in its .dockerignore (to keep them out of the context):
    they are still the Dockerfiles the Engine builds with."""
    touch(tmp_path, ".dockerignore", "src/*/Dockerfile\nvendor\n")
    touch(tmp_path, "src/cart/Dockerfile")
    touch(tmp_path, "vendor/lib/Dockerfile")
    touch(tmp_path, "Dockerfile")
    discovery = discover_dockerfiles([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in discovery.files] == [
        "Dockerfile",
        "src/cart/Dockerfile",
        "vendor/lib/Dockerfile",
    ]
    assert discovery.skipped == ()


def test_what_gitignore_leaves_out_is_counted(tmp_path: Path) -> None:
    touch(tmp_path, ".gitignore", "build/\nDockerfile.local\ncompose.local.yaml\n*.log\n")
    touch(tmp_path, "build/Dockerfile")
    touch(tmp_path, "Dockerfile.local")
    touch(tmp_path, "compose.local.yaml")
    touch(tmp_path, "debug.log")  # not named like a file dockwise checks: not counted
    touch(tmp_path, "Dockerfile")
    discovery = discover_dockerfiles([tmp_path])
    assert [p.name for p in discovery.files] == ["Dockerfile"]
    assert dict(discovery.skipped) == {"files in .gitignore": 2, "directories in .gitignore": 1}


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        (["*.md"], "README.md", True),
        (["*.md"], "docs/README.md", False),
        (["**/*.md"], "docs/deep/README.md", True),
        (["docs"], "docs/a/b.txt", True),
        (["/docs/"], "docs/x", True),
        (["*", "!Dockerfile"], "Dockerfile", False),
        (["*", "!Dockerfile"], "src", True),
        (["file?.txt"], "file1.txt", True),
        (["file[0-9].txt"], "filea.txt", False),
        (["file[^0-9].txt"], "filea.txt", True),
    ],
)
def test_dockerignore_patterns(patterns: list[str], path: str, excluded: bool) -> None:
    assert DockerIgnore.from_lines(patterns).excludes(path) is excluded


def test_explicit_files_are_always_checked_and_listed_once(tmp_path: Path) -> None:
    touch(tmp_path, ".gitignore", "*.txt\nDockerfile\n")
    odd = touch(tmp_path, "build-recipe.txt")
    ignored = touch(tmp_path, "Dockerfile")
    discovery = discover_dockerfiles([odd, ignored, ignored, tmp_path])
    assert discovery.files == (odd, ignored)
    assert discovery.problems == ()


def test_missing_and_unreadable_paths_are_problems_and_others_still_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(tmp_path, "ok/Dockerfile")
    touch(tmp_path, "locked/Dockerfile")
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    discovery = discover_dockerfiles([tmp_path / "missing", tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in discovery.files] == ["ok/Dockerfile"]
    assert [(Path(p.path).name, p.message) for p in discovery.problems] == [
        ("missing", "no such file or directory"),
        ("locked", "cannot search: Permission denied"),
    ]


def test_directory_symlink_loops_do_not_hang(tmp_path: Path) -> None:
    touch(tmp_path, "a/Dockerfile")
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert found(tmp_path) == ["a/Dockerfile"]


def test_every_corpus_file_name_is_classified_correctly() -> None:
    """The corpus stores files flattened (`a__b__Dockerfile`); their real names come from the manifest."""
    rows = corpus_manifest()
    names: dict[str, list[str]] = {row["kind"]: [] for row in rows}
    for row in rows:
        names[row["kind"]].append(row["path_in_repo"].rsplit("/", 1)[-1])
    missed = [name for name in names["dockerfile"] if not is_dockerfile_name(name)]
    wrongly = [name for name in names["compose"] if is_dockerfile_name(name)]
    dockerfiles, compose = len(names["dockerfile"]), len(names["compose"])
    SUMMARY_LINES.append(
        f"discovery: {dockerfiles - len(missed)} of {dockerfiles} corpus Dockerfile names recognised, "
        f"{len(wrongly)} of {compose} Compose names taken for Dockerfiles"
    )
    assert not missed
    assert not wrongly


def test_corpus_directory_walk_finds_every_file(tmp_path: Path) -> None:
    """Rebuilt under their real names, all corpus Dockerfiles are found by a directory walk."""
    rows = [row for row in corpus_manifest() if row["kind"] == "dockerfile"]
    for row in rows:
        touch(tmp_path, f"{row['repo']}/{row['path_in_repo']}")
    discovery = discover_dockerfiles([tmp_path])
    assert len(discovery.files) == len(rows)


def test_a_fifo_named_like_a_dockerfile_is_reported_not_read(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM a\n")
    os.mkfifo(tmp_path / "Dockerfile.dev")  # reading it would block until something writes
    found = discover_dockerfiles([tmp_path])
    assert [path.name for path in found.files] == ["Dockerfile"]
    assert [(Path(p.path).name, p.message) for p in found.problems] == [
        ("Dockerfile.dev", "a named pipe (FIFO), not a regular file: not checked")
    ]


def test_a_broken_link_named_like_a_dockerfile_is_reported(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").symlink_to(tmp_path / "gone")
    found = discover_dockerfiles([tmp_path])
    assert found.files == ()
    assert [p.message for p in found.problems] == ["a broken symbolic link: not checked"]


def test_a_directory_named_dockerfile_is_searched_and_reported_when_empty(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").mkdir()
    (tmp_path / "docker" / "Dockerfile").mkdir(parents=True)
    (tmp_path / "docker" / "Dockerfile" / "Dockerfile.api").write_text("FROM a\n")
    found = discover_dockerfiles([tmp_path])
    assert [path.relative_to(tmp_path).as_posix() for path in found.files] == [
        "docker/Dockerfile/Dockerfile.api"
    ]
    assert [(Path(p.path).relative_to(tmp_path).as_posix(), p.message) for p in found.problems] == [
        ("Dockerfile", "a directory named like a Dockerfile, with nothing to check in it")
    ]


def test_one_file_reached_by_several_names_is_checked_once(tmp_path: Path) -> None:
    touch(tmp_path, "app/Dockerfile")
    (tmp_path / "Dockerfile").symlink_to(tmp_path / "app" / "Dockerfile")
    given = [tmp_path / "app" / "Dockerfile", tmp_path / "app" / ".." / "app" / "Dockerfile", tmp_path]
    assert [path.relative_to(tmp_path).as_posix() for path in discover_dockerfiles(given).files] == [
        "app/Dockerfile"
    ]


def test_the_lint_report_says_which_files_were_read_as_dockerfiles(tmp_path: Path) -> None:
    from dockwise.lint import lint_paths

    touch(tmp_path, "Dockerfile")
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    report = lint_paths([tmp_path])
    assert sorted(Path(result.path).name for result in report.files) == ["Dockerfile", "compose.yaml"]
    assert report.dockerfiles == {str(tmp_path / "Dockerfile")}
