"""What a change re-runs (`dockwise.rebuild`): COPY sources, globs, `.dockerignore`, bind mounts, stages
that build on or copy from a re-run stage, and which costly installs a better step order would keep."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise.dockerfile import parse
from dockwise.rebuild import reruns_for

NODE = """\
FROM node:22-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY src/ ./src/
RUN npm run build

FROM nginx:1.27
COPY --from=deps /app/dist /usr/share/nginx/html
COPY nginx.conf /etc/nginx/conf.d/default.conf
"""


def lines(text: str, context: Path, *changed: str, target: str | None = None) -> list[int]:
    (context / "Dockerfile").write_text(text)
    answer = reruns_for(parse(text, str(context / "Dockerfile")), context, changed, target)
    return [rerun.instruction.start_line for rerun in answer.reruns]


def test_a_manifest_change_reruns_the_install_and_everything_after_it(tmp_path: Path) -> None:
    assert lines(NODE, tmp_path, "package.json") == [3, 4, 5, 6, 9, 10]
    answer = reruns_for(parse(NODE), tmp_path, ["package.json"])
    assert [r.costly for r in answer.costly] == [
        "`npm ci` installs Node.js dependencies",
        "`npm run build` builds Node.js code",
    ]
    assert answer.avoidable == ()  # a manifest changed: the install has to run


def test_a_source_change_keeps_the_install_cached(tmp_path: Path) -> None:
    assert lines(NODE, tmp_path, "src/app.js") == [5, 6, 9, 10]
    assert lines(NODE, tmp_path, "nginx.conf") == [10]
    assert lines(NODE, tmp_path, "docs/guide.md") == []


def test_copy_everything_first_makes_every_install_avoidable(tmp_path: Path) -> None:
    text = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN apt-get install -y curl\nRUN npm ci\n"
    (tmp_path / "Dockerfile").write_text(text)
    answer = reruns_for(parse(text), tmp_path, ["server.js"])
    assert [r.instruction.start_line for r in answer.avoidable] == [4, 5]


def test_dockerignored_files_change_nothing(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("*.md\ndocs/\n")
    text = "FROM alpine:3.20\nCOPY . /src\nRUN make -C /src\n"
    (tmp_path / "Dockerfile").write_text(text)
    answer = reruns_for(parse(text), tmp_path, ["README.md", "docs/a.txt"])
    assert answer.reruns == ()
    assert answer.ignored == ("README.md", "docs/a.txt")
    assert lines(text, tmp_path, "main.c") == [2, 3]


@pytest.mark.parametrize(
    ("source", "changed", "expected"),
    [
        ("*.json", "package.json", True),
        ("*.json", "config/app.json", False),  # `*` does not cross a directory
        ("config/*.yaml", "config/app.yaml", True),
        ("src", "src/deep/a.py", True),
        ("src", "srcx/a.py", False),
        ("./requirements.txt", "requirements.txt", True),
        ("/etc/app.conf", "etc/app.conf", True),  # sources are relative to the context, leading / or not
    ],
)
def test_copy_sources_match_like_docker(tmp_path: Path, source: str, changed: str, expected: bool) -> None:
    text = f"FROM alpine:3.20\nCOPY {source} /dst/\n"
    assert lines(text, tmp_path, changed) == ([2] if expected else [])


def test_a_stage_built_from_a_rerun_stage_reruns_whole_and_only_the_target_counts(tmp_path: Path) -> None:
    text = (
        "FROM alpine:3.20 AS base\nCOPY deps.txt /\n"
        "FROM base AS app\nRUN echo app\n"
        "FROM alpine:3.20 AS other\nCOPY deps.txt /\n"
    )
    assert lines(text, tmp_path, "deps.txt", target="app") == [2, 4]
    answer = reruns_for(parse(text), tmp_path, ["deps.txt"], "app")
    assert answer.reruns[1].reason == "its base stage base runs again"


def test_bind_mounts_from_the_context_and_from_stages(tmp_path: Path) -> None:
    text = (
        "FROM alpine:3.20 AS tools\nCOPY tool.sh /\n"
        "FROM alpine:3.20\nRUN --mount=type=bind,source=scripts,target=/s /s/setup.sh\n"
        "RUN --mount=from=tools,target=/t /t/tool.sh\n"
    )
    assert lines(text, tmp_path, "scripts/setup.sh") == [4, 5]
    assert lines(text, tmp_path, "tool.sh") == [2, 5]


def test_build_args_expand_in_sources(tmp_path: Path) -> None:
    text = "FROM alpine:3.20\nARG APP=web\nCOPY ${APP}/ /app/\n"
    assert lines(text, tmp_path, "web/index.html") == [3]
    assert lines(text, tmp_path, "api/index.html") == []
