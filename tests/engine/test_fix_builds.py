"""Fixed Dockerfiles still build and run on a real engine, and the cache-ordering fix keeps the install
layer cached across source edits (read from BuildKit's own progress output: `#N CACHED`)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockwise.cli import main
from tests.engine.conftest import BaseImages, Engine

pytestmark = pytest.mark.engine

#: An offline stand-in for `npm ci` (there is no registry here): it "installs" what package.json lists and
#: fails without it, as npm does, so a build that runs it before the manifests are copied fails.
FAKE_NPM = """#!/bin/sh
set -e
test -f package.json || { echo "npm ERR! no package.json in $PWD" >&2; exit 1; }
mkdir -p node_modules
cp package.json node_modules/.installed
echo "installed dependencies of $(sed -n 's/.*"name": *"\\([^"]*\\)".*/\\1/p' package.json)"
"""

APP_DOCKERFILE = """\
FROM {base}
WORKDIR /app
COPY . .
RUN npm ci
CMD ["cat", "/app/node_modules/.installed"]
"""


def cached_steps(build_output: str) -> dict[str, bool]:
    """Each Dockerfile step of a plain-progress BuildKit build ("RUN npm ci") and whether it was CACHED."""
    names: dict[str, str] = {}
    cached: set[str] = set()
    for line in build_output.splitlines():
        step = re.match(r"#(\d+) \[(?:[\w-]+ )?\d+/\d+\] (.+)$", line)
        if step:
            names[step.group(1)] = step.group(2).strip()
        elif re.match(r"#(\d+) CACHED$", line):
            cached.add(line.split()[0][1:])
    return {name: number in cached for number, name in names.items()}


@pytest.fixture
def npm_base(engine: Engine, base_images: BaseImages, tmp_path: Path) -> Iterator[str]:
    context = tmp_path / "npm-base"
    context.mkdir()
    (context / "npm").write_text(FAKE_NPM, encoding="utf-8")
    (context / "Dockerfile").write_text(
        f"FROM {base_images.busybox}\nCOPY --chmod=755 npm /usr/local/bin/npm\n", encoding="utf-8"
    )
    tag = f"dockwise-test/fake-npm:{uuid.uuid4().hex[:12]}"
    engine.build(context, tag)
    try:
        yield tag
    finally:
        engine.remove_image(tag)


def test_cache_ordering_fix_keeps_the_install_cached_after_a_source_edit(
    engine: Engine, npm_base: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text('{"name": "demo", "version": "1.0.0"}\n', encoding="utf-8")
    (app / "package-lock.json").write_text('{"name": "demo", "lockfileVersion": 3}\n', encoding="utf-8")
    source = app / "server.js"
    dockerfile = app / "Dockerfile"
    dockerfile.write_text(APP_DOCKERFILE.format(base=npm_base), encoding="utf-8")
    tag = f"dockwise-test/cache-order:{uuid.uuid4().hex[:12]}"
    try:
        source.write_text(f"// {uuid.uuid4()}\n", encoding="utf-8")
        engine.build(app, tag)
        source.write_text(f"// {uuid.uuid4()}\n", encoding="utf-8")
        _, output = engine.build(app, tag)
        assert cached_steps(output)["RUN npm ci"] is False, "the original re-installs after a source edit"

        assert main(["fix", "--isolated", "--unsafe-fixes", "--select", "DW206", str(dockerfile)]) == 0
        capsys.readouterr()
        fixed = dockerfile.read_text(encoding="utf-8")
        assert "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n" in fixed

        engine.build(app, tag)
        source.write_text(f"// {uuid.uuid4()}\n", encoding="utf-8")
        image_id, output = engine.build(app, tag)
        steps = cached_steps(output)
        assert steps["RUN npm ci"] is True, output
        assert steps["COPY . ."] is False, "the sources were copied again"
        status, stdout = engine.run(image_id)
        assert status == 0
        assert '"name": "demo"' in stdout
    finally:
        engine.remove_image(tag)


def test_package_manager_fixes_build_and_run(
    engine: Engine, base_images: BaseImages, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Package-manager fixes on a Dockerfile whose commands exist in busybox: the fixed file builds and
    runs as the original did. (`apk`, `apt-get` and `pip` stand-ins record the options they were given.)"""
    context = tmp_path / "pm"
    context.mkdir()
    recorder = '#!/bin/sh\necho "$(basename "$0") $*" >> /record.txt\n'
    (context / "tool").write_text(recorder, encoding="utf-8")
    dockerfile = context / "Dockerfile"
    dockerfile.write_text(
        f"FROM {base_images.busybox}\n"
        "COPY --chmod=755 tool /usr/local/bin/apk\n"
        "COPY --chmod=755 tool /usr/local/bin/apt-get\n"
        "COPY --chmod=755 tool /usr/local/bin/pip\n"
        "RUN apk add curl\n"
        "RUN apt-get update && apt-get install curl\n"
        "RUN pip install -r requirements.txt\n"
        'CMD ["cat", "/record.txt"]\n',
        encoding="utf-8",
    )
    tag = f"dockwise-test/pm-fix:{uuid.uuid4().hex[:12]}"
    try:
        image_id, _ = engine.build(context, tag)
        assert engine.run(image_id)[0] == 0
        assert main(["fix", "--isolated", str(dockerfile)]) == 0
        # --no-install-recommends changes which packages come in: DW202's fix is unsafe, asked for apart
        assert main(["fix", "--isolated", "--unsafe-fixes", "--select", "DW202", str(dockerfile)]) == 0
        capsys.readouterr()
        image_id, _ = engine.build(context, tag)
        status, stdout = engine.run(image_id)
        assert status == 0
        assert stdout.splitlines() == [
            "apk add --no-cache curl",
            "apt-get update",
            "apt-get install --no-install-recommends -y curl",
            "pip install --no-cache-dir -r requirements.txt",
        ]
    finally:
        engine.remove_image(tag)


def test_non_root_user_fix_builds_and_runs_as_the_new_uid(
    engine: Engine, debian_image: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    context = tmp_path / "user"
    context.mkdir()
    dockerfile = context / "Dockerfile"
    dockerfile.write_text(f'FROM {debian_image}\nRUN echo ready > /ready\nCMD ["id"]\n', encoding="utf-8")
    tag = f"dockwise-test/user-fix:{uuid.uuid4().hex[:12]}"
    try:
        image_id, _ = engine.build(context, tag)
        assert engine.run(image_id)[1].startswith("uid=0(root)")
        assert main(["fix", "--isolated", "--unsafe-fixes", str(dockerfile)]) == 0
        capsys.readouterr()
        assert "USER 10001:10001\n" in dockerfile.read_text(encoding="utf-8")
        image_id, _ = engine.build(context, tag)
        status, stdout = engine.run(image_id)
        assert status == 0
        assert stdout.startswith("uid=10001(app) gid=10001(app)"), stdout
    finally:
        engine.remove_image(tag)


def test_secret_fix_builds_with_a_build_secret_and_ships_no_file(
    engine: Engine, base_images: BaseImages, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    context = tmp_path / "secret"
    context.mkdir()
    (context / ".npmrc").write_text("//registry.example/:_authToken=token-123\n", encoding="utf-8")
    dockerfile = context / "Dockerfile"
    dockerfile.write_text(
        f"FROM {base_images.busybox}\nWORKDIR /app\nCOPY .npmrc ./\n"
        "RUN grep -q _authToken .npmrc && echo installed > /app/installed && rm .npmrc\n"
        'CMD ["ls", "-a", "/app"]\n',
        encoding="utf-8",
    )
    tag = f"dockwise-test/secret-fix:{uuid.uuid4().hex[:12]}"
    try:
        assert main(["fix", "--isolated", "--unsafe-fixes", str(dockerfile)]) == 0
        assert "build with --secret id=npmrc,src=.npmrc" in capsys.readouterr().err
        assert dockerfile.read_text(encoding="utf-8").splitlines()[2:4] == [
            "RUN --mount=type=secret,id=npmrc,target=/app/.npmrc grep -q _authToken .npmrc "
            "&& echo installed > /app/installed",
            'CMD ["ls", "-a", "/app"]',
        ]
        image_id, _ = engine.build(context, tag, "--secret", f"id=npmrc,src={context / '.npmrc'}")
        status, stdout = engine.run(image_id)
        assert status == 0
        assert stdout.split() == [".", "..", "installed"], "the RUN read the secret; the image has no file"
    finally:
        engine.remove_image(tag)


def test_cache_mount_fix_keeps_the_npm_cache_out_of_the_image(
    engine: Engine, base_images: BaseImages, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    context = tmp_path / "cache-mount"
    context.mkdir()
    # A stand-in npm that fills its cache the way npm does (~/.npm/_cacache) and installs into the project.
    (context / "npm").write_text(
        "#!/bin/sh\nmkdir -p /root/.npm/_cacache node_modules\necho blob > /root/.npm/_cacache/blob\n"
        "echo dep > node_modules/dep\n",
        encoding="utf-8",
    )
    dockerfile = context / "Dockerfile"
    dockerfile.write_text(
        f"FROM {base_images.busybox}\nCOPY --chmod=755 npm /usr/local/bin/npm\nWORKDIR /app\nRUN npm ci\n"
        'CMD ["sh", "-c", "ls /app/node_modules; ls -A /root/.npm 2>/dev/null | wc -l"]\n',
        encoding="utf-8",
    )
    tag = f"dockwise-test/cache-mount:{uuid.uuid4().hex[:12]}"
    try:
        image_id, _ = engine.build(context, tag)
        assert engine.run(image_id)[1].split() == ["dep", "1"], "the original ships npm's cache"
        assert main(["fix", "--isolated", "--unsafe-fixes", "--select", "DW240", str(dockerfile)]) == 0
        capsys.readouterr()
        assert "RUN --mount=type=cache,target=/root/.npm npm ci\n" in dockerfile.read_text(encoding="utf-8")
        image_id, _ = engine.build(context, tag)
        assert engine.run(image_id)[1].split() == ["dep", "0"], "installed, and no cache in the image"
    finally:
        engine.remove_image(tag)


def test_instruction_fixes_build_and_run_the_same_command(
    engine: Engine, base_images: BaseImages, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """exec form, ADD to COPY, MAINTAINER to LABEL, casing, absolute WORKDIR and KEY=value in one file."""
    context = tmp_path / "instructions"
    context.mkdir()
    (context / "greeting.txt").write_text("hello\n", encoding="utf-8")
    dockerfile = context / "Dockerfile"
    dockerfile.write_text(
        f"FROM {base_images.busybox} as base\nMAINTAINER Jane <jane@example.com>\nWORKDIR /srv\n"
        "workdir app\nENV GREETING_FILE /srv/app/greeting.txt\nADD greeting.txt /srv/app/\n"
        "CMD cat /srv/app/greeting.txt\n",
        encoding="utf-8",
    )
    tag = f"dockwise-test/instruction-fixes:{uuid.uuid4().hex[:12]}"
    try:
        before, _ = engine.build(context, tag)
        assert engine.run(before) == (0, "hello\n")
        assert main(["fix", "--isolated", "--select", "ALL", str(dockerfile)]) == 0
        # MAINTAINER -> LABEL empties the image's Author field: DW503's fix is unsafe, asked for apart
        assert main(["fix", "--isolated", "--unsafe-fixes", "--select", "DW503", str(dockerfile)]) == 0
        capsys.readouterr()
        assert dockerfile.read_text(encoding="utf-8") == (
            f"FROM {base_images.busybox} AS base\n"
            'LABEL org.opencontainers.image.authors="Jane <jane@example.com>"\n'
            "WORKDIR /srv\nWORKDIR /srv/app\nENV GREETING_FILE=/srv/app/greeting.txt\n"
            "COPY greeting.txt /srv/app/\n"
            'CMD ["cat", "/srv/app/greeting.txt"]\n'
        )
        after, _ = engine.build(context, tag)
        assert engine.run(after) == (0, "hello\n")
        config = engine.client.images.get(after).attrs["Config"]
        assert config["WorkingDir"] == "/srv/app"
        assert config["Labels"]["org.opencontainers.image.authors"] == "Jane <jane@example.com>"
        assert "GREETING_FILE=/srv/app/greeting.txt" in config["Env"]
    finally:
        engine.remove_image(tag)


def test_init_fix_makes_the_installed_tini_pid_1(
    engine: Engine, base_images: BaseImages, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    context = tmp_path / "tini"
    context.mkdir()
    # Stand-ins: `apk add tini` installs a /sbin/tini that records that it ran, then execs the command.
    (context / "apk").write_text(
        "#!/bin/sh\nprintf '#!/bin/sh\\necho tini >> /tmp/pid1\\nshift\\nexec \"$@\"\\n' > /sbin/tini\n"
        "chmod 755 /sbin/tini\n",
        encoding="utf-8",
    )
    dockerfile = context / "Dockerfile"
    dockerfile.write_text(
        f"FROM {base_images.busybox}\nCOPY --chmod=755 apk /usr/local/bin/apk\nRUN apk add tini\n"
        'CMD ["sh", "-c", "cat /tmp/pid1; if true; then echo app; fi"]\n',
        encoding="utf-8",
    )
    tag = f"dockwise-test/tini-fix:{uuid.uuid4().hex[:12]}"
    try:
        assert main(["fix", "--isolated", "--unsafe-fixes", "--select", "DW451", str(dockerfile)]) == 0
        capsys.readouterr()
        assert 'ENTRYPOINT ["/sbin/tini", "--"]\nCMD' in dockerfile.read_text(encoding="utf-8")
        image_id, _ = engine.build(context, tag)
        assert engine.run(image_id) == (0, "tini\napp\n")
    finally:
        engine.remove_image(tag)
