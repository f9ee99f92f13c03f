"""`fix --multi-stage`: the rewrite of each ecosystem (exact output), its refusals, its runtime bases, and
the command line (diff that `git apply` accepts, JSON, idempotence, a result that lints without DW151)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dockwise.cli import main
from dockwise.dockerfile import parse
from dockwise.fix.multistage import rewrite_text
from dockwise.lint import dockerfile_rules, lint_text
from dockwise.rules import RuleOptions

GO = """\
FROM golang:1.22
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /usr/local/bin/server ./cmd/server
ENV PORT=8080
EXPOSE 8080
CMD ["server"]
"""
GO_RUNTIME = """
FROM gcr.io/distroless/static-debian12:nonroot
ENV PORT=8080
EXPOSE 8080
WORKDIR /src
COPY --from=build /usr/local/bin/server /usr/local/bin/server
USER 65532:65532
CMD ["server"]
"""
RUST = """\
FROM rust:1.79-bookworm
WORKDIR /usr/src/app
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked
EXPOSE 3000
CMD ["./target/release/hello-api"]
"""
RUST_RUNTIME = """
FROM gcr.io/distroless/cc-debian12:nonroot
EXPOSE 3000
WORKDIR /usr/src/app
COPY --from=build /usr/src/app/target/release/hello-api /usr/src/app/target/release/hello-api
USER 65532:65532
CMD ["./target/release/hello-api"]
"""
NODE = """\
FROM node:20-bookworm
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
ENV NODE_ENV=production
EXPOSE 3000
HEALTHCHECK CMD curl -f http://localhost:3000/health || exit 1
CMD npm start
"""
NODE_REWRITTEN = """\
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
RUN npm prune --omit=dev
ENV NODE_ENV=production
EXPOSE 3000
HEALTHCHECK CMD curl -f http://localhost:3000/health || exit 1
CMD npm start

FROM gcr.io/distroless/nodejs20-debian12:nonroot
ENV NODE_ENV=production
EXPOSE 3000
WORKDIR /app
COPY --from=build /app /app
USER 65532:65532
# HEALTHCHECK left out: gcr.io/distroless/nodejs20-debian12:nonroot has no curl
# HEALTHCHECK CMD curl -f http://localhost:3000/health || exit 1
ENTRYPOINT []
CMD ["/nodejs/bin/node", "dist/server.js"]
"""
PYTHON = """\
FROM python:3.12
WORKDIR /srv
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \\
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
USER nobody
EXPOSE 8000
CMD gunicorn --bind 0.0.0.0:8000 app:app
"""
PYTHON_REWRITTEN = """\
FROM python:3.12 AS build
WORKDIR /srv
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \\
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
RUN python3 -m venv /opt/venv && pip install --no-cache-dir -r requirements.txt
COPY . .
USER nobody
EXPOSE 8000
CMD gunicorn --bind 0.0.0.0:8000 app:app

FROM python:3.12-slim
EXPOSE 8000
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
WORKDIR /srv
COPY --from=build /opt/venv /opt/venv
COPY --from=build /srv /srv
USER nobody
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
"""
JAVA = """\
FROM maven:3.9-eclipse-temurin-21
WORKDIR /build
COPY pom.xml .
RUN mvn -B dependency:go-offline
COPY src ./src
RUN mvn -B package -DskipTests
USER 1000
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "target/shop-1.0.jar"]
"""
JAVA_RUNTIME = """
FROM gcr.io/distroless/java21-debian12:nonroot
EXPOSE 8080
WORKDIR /build
COPY --from=build /build/target/shop-1.0.jar /build/target/shop-1.0.jar
USER 1000
ENTRYPOINT ["java", "-jar", "target/shop-1.0.jar"]
"""


def _project(tmp_path: Path, dockerfile: str, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / name.replace("_", ".")).write_text(text)
    (tmp_path / "Dockerfile").write_text(dockerfile)
    return tmp_path


def _named(text: str) -> str:
    """The original with its stage named `build`, which every rewrite starts with."""
    first, _, rest = text.partition("\n")
    return f"{first} AS build\n{rest}"


def test_go_binary_goes_to_a_static_distroless_runtime() -> None:
    result = rewrite_text(GO)
    assert result.status == "rewritten"
    assert result.text == _named(GO) + GO_RUNTIME
    assert result.ecosystem == "Go"
    assert result.runtime_base == "gcr.io/distroless/static-debian12:nonroot"
    assert result.notes == (
        "the original ran as root; the runtime runs as 65532:65532: files it writes outside a volume or "
        "tmpfs need a directory it owns",
    )


def test_go_with_cgo_possible_gets_glibc_and_says_it_is_not_proven() -> None:
    text = GO.replace("CGO_ENABLED=0 ", "")
    result = rewrite_text(text)
    assert result.runtime_base == "gcr.io/distroless/base-debian12:nonroot"
    assert any(note.startswith("CGO_ENABLED is not 0") for note in result.notes)


def test_rust_binary_is_named_from_cargo_toml_in_the_context(tmp_path: Path) -> None:
    _project(tmp_path, RUST, Cargo_toml='[package]\nname = "hello-api"\nversion = "0.1.0"\n')
    result = rewrite_text(RUST, None, tmp_path)
    assert result.text == _named(RUST) + RUST_RUNTIME
    assert any("links glibc and libgcc" in note for note in result.notes)


def test_rust_without_a_readable_cargo_toml_is_refused_with_the_reason(tmp_path: Path) -> None:
    result = rewrite_text(RUST, None, tmp_path)
    assert result.status == "refused"
    assert result.text == RUST
    assert "Cargo.toml, which could not be read" in (result.reason or "")


def test_node_prunes_dev_dependencies_and_runs_the_start_script_with_node(tmp_path: Path) -> None:
    scripts = {"scripts": {"build": "tsc", "start": "node dist/server.js"}}
    _project(tmp_path, NODE, package_json=json.dumps(scripts))
    result = rewrite_text(NODE, None, tmp_path)
    assert result.text == NODE_REWRITTEN
    assert any("HEALTHCHECK is left out as a comment" in note for note in result.notes)
    assert any("`npm start` became `node dist/server.js`" in note for note in result.notes)


def test_node_npm_start_without_package_json_is_refused() -> None:
    result = rewrite_text(NODE)
    assert result.status == "refused"
    assert "npm is not in the runtime image" in (result.reason or "")


@pytest.mark.parametrize(
    ("base", "start", "expected"),
    [
        # a configured base may have no npm (the local test bases do not): the script's command runs
        ("local/nodejs:1", "node server.js", 'CMD ["node", "server.js"]'),
        ("local/nodejs:1", "node server.js && echo done", None),  # not plain: refused
        # the official image has npm: a script that is not plain stays with npm
        ("node:20-slim", "node server.js && echo done", 'CMD ["npm", "start"]'),
        ("node:20-slim", "node server.js", 'CMD ["node", "server.js"]'),  # node as PID 1 (DW405)
    ],
)
def test_npm_start_becomes_its_node_command_unless_the_runtime_base_has_npm_to_run_it(
    tmp_path: Path, base: str, start: str, expected: str | None
) -> None:
    _project(tmp_path, NODE, package_json=json.dumps({"scripts": {"start": start}}))
    result = rewrite_text(NODE.replace("RUN npm run build\n", ""), {"node": base}, tmp_path)
    if expected is None:
        assert result.status == "refused"
        assert "not a plain `node ...` command" in (result.reason or "")
    else:
        assert result.status == "rewritten", result.reason
        assert result.text.endswith(f"{expected}\n")


@pytest.mark.parametrize(
    ("builder", "runtime"),
    [
        ("node:20-bookworm", "gcr.io/distroless/nodejs20-debian12:nonroot"),
        ("node:20-alpine", "node:20-alpine"),  # musl node_modules (prebuilt native ones too) stay on musl
        ("node:14.17.3-alpine3.14", "node:14-alpine"),
        ("node:14.17.3", "node:14-slim"),
    ],
)
def test_the_node_runtime_keeps_the_builders_c_library(tmp_path: Path, builder: str, runtime: str) -> None:
    _project(tmp_path, NODE, package_json=json.dumps({"scripts": {"start": "node server.js"}}))
    text = NODE.replace("node:20-bookworm", builder).replace("RUN npm run build\n", "")
    result = rewrite_text(text, None, tmp_path)
    assert result.status == "rewritten", result.reason
    assert f"\nFROM {runtime}\n" in result.text
    assert any("node itself gets SIGTERM as PID 1" in note for note in result.notes)


def test_package_json_is_found_through_quoted_and_variable_copy_words(tmp_path: Path) -> None:
    """The context file is found where the COPY puts it as BuildKit reads the words (quotes removed,
    variables expanded), the same destination the runtime stage's copies use."""
    _project(tmp_path, NODE, package_json=json.dumps({"scripts": {"start": "node server.js"}}))
    text = (
        NODE.replace("RUN npm run build\n", "")
        .replace("COPY . .", "COPY server.js ./")
        .replace("COPY package.json package-lock.json ./", 'ARG APP=/app\nCOPY "package.json" ${APP}/')
    )
    result = rewrite_text(text, None, tmp_path)
    assert result.status == "rewritten", result.reason
    assert result.text.endswith('CMD ["/nodejs/bin/node", "server.js"]\n')


def test_node_native_modules_in_an_alpine_builder_are_refused() -> None:
    text = NODE.replace("node:20-bookworm", "node:20-alpine").replace(
        "RUN npm ci", "RUN apk add --no-cache python3 make g++ && npm ci"
    )
    result = rewrite_text(text)
    assert result.status == "refused"
    assert "native modules" in (result.reason or "")


def test_python_gets_a_virtualenv_and_the_slim_tag_of_the_same_python() -> None:
    result = rewrite_text(PYTHON)
    assert result.text == PYTHON_REWRITTEN
    assert result.runtime_base == "python:3.12-slim"


def test_python_from_a_non_official_builder_is_refused_unless_a_runtime_is_configured() -> None:
    text = PYTHON.replace("FROM python:3.12", "FROM debian:bookworm")
    refused = rewrite_text(text)
    assert refused.status == "refused"
    assert "same interpreter" in (refused.reason or "")
    configured = rewrite_text(text, {"python": "dockwise-test/debian:bookworm"})
    assert configured.status == "rewritten"
    assert "\nFROM dockwise-test/debian:bookworm\n" in configured.text
    assert any("links to the builder's interpreter" in note for note in configured.notes)
    assert any("python3-venv" in note for note in configured.notes)


def test_pip_install_user_is_refused() -> None:
    result = rewrite_text(PYTHON.replace("pip install --no-cache-dir", "pip install --user"))
    assert result.status == "refused"
    assert "--user installs outside a virtualenv" in (result.reason or "")


def test_java_copies_the_jar_the_command_runs_to_a_runtime_of_the_same_jdk() -> None:
    result = rewrite_text(JAVA)
    assert result.text == _named(JAVA) + JAVA_RUNTIME
    assert result.notes == ()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (GO + "\nFROM alpine:3.20\nCOPY --from=0 /usr/local/bin/server /server\n", "already multi-stage"),
        ("FROM debian:12\nRUN apt-get update && apt-get install -y gcc\nCMD [\"make\"]\n", "no Go, Rust"),
        (GO.replace('CMD ["server"]\n', ""), "no CMD or ENTRYPOINT"),
        (GO.replace("ENV PORT=8080", "RUN wget -O /etc/a.conf https://x.example/c"), "runs after the build"),
        (GO.replace("golang:1.22", "golang:1.22-alpine").replace("CGO_ENABLED=0 ", "")
         .replace("RUN go mod download", "RUN apk add gcc musl-dev && go mod download"), "musl"),
        (GO.replace("-o /usr/local/bin/server ./cmd/server", "./..."), "several packages"),
        (JAVA.replace('ENTRYPOINT ["java", "-jar", "target/shop-1.0.jar"]', 'CMD ["mvn", "spring-boot:run"]'),
         "java -jar"),
        (GO.replace('CMD ["server"]', "CMD server --port $PORT"), "no shell"),
        (GO.replace("RUN CGO_ENABLED=0 go build", "RUN npm ci && CGO_ENABLED=0 go build"), "Go and Node.js"),
    ],
    ids=["multi-stage", "no-build", "no-command", "run-after", "cgo-musl", "packages", "no-jar", "shell-cmd",
         "two-ecosystems"],
)  # fmt: skip
def test_refusals_leave_the_text_alone_and_say_why(text: str, reason: str) -> None:
    result = rewrite_text(text)
    assert result.status in ("refused", "unchanged")
    assert result.text == text
    assert reason in (result.reason or "")


GO_WITH_CGO_ON = GO.replace("CGO_ENABLED=0 ", "")


def test_cgo_is_turned_off_when_no_go_file_of_the_context_imports_c(tmp_path: Path) -> None:
    _project(tmp_path, GO_WITH_CGO_ON, main_go='package main\n\nimport (\n\t"net/http"\n)\n')
    result = rewrite_text(GO_WITH_CGO_ON, None, tmp_path)
    assert "RUN CGO_ENABLED=0 go build -o /usr/local/bin/server ./cmd/server\n" in result.text
    assert "\nFROM gcr.io/distroless/static-debian12:nonroot\n" in result.text
    assert any(note.startswith("cgo turned off for the build") for note in result.notes)


@pytest.mark.parametrize(
    "source",
    ['package main\n\n// #include <stdio.h>\nimport "C"\n', 'package db\n\nimport (\n\t"C"\n\t"fmt"\n)\n'],
)
def test_cgo_stays_on_when_a_go_file_imports_c(tmp_path: Path, source: str) -> None:
    _project(tmp_path, GO_WITH_CGO_ON, main_go="package main\n", db_go=source)
    result = rewrite_text(GO_WITH_CGO_ON, None, tmp_path)
    assert "CGO_ENABLED=0" not in result.text
    assert "\nFROM gcr.io/distroless/base-debian12:nonroot\n" in result.text
    assert any("CGO_ENABLED is not 0" in note for note in result.notes)


def test_a_go_file_that_starts_importing_c_is_read_again(tmp_path: Path) -> None:
    """The sources are read once and kept by modification time and size (DW151 plans this rewrite on
    every language-server keystroke): an edit that adds `import "C"` must still be seen."""
    _project(tmp_path, GO_WITH_CGO_ON, main_go="package main\n", db_go="package db\n")
    assert "CGO_ENABLED=0" in rewrite_text(GO_WITH_CGO_ON, None, tmp_path).text
    db = next(tmp_path.rglob("db.go"))
    db.write_text('package db\n\nimport "C"\n')
    assert "CGO_ENABLED=0" not in rewrite_text(GO_WITH_CGO_ON, None, tmp_path).text
    db.write_text('package db\n\nimport "X"\n')  # the same size: told apart by the modification time
    os.utime(db, ns=(db.stat().st_atime_ns, db.stat().st_mtime_ns + 1_000_000))
    assert "CGO_ENABLED=0" in rewrite_text(GO_WITH_CGO_ON, None, tmp_path).text


def test_a_configured_base_replaces_the_default_and_go_covers_go_cgo() -> None:
    result = rewrite_text(GO.replace("CGO_ENABLED=0 ", ""), {"go": "dockwise-test/busybox:latest"})
    assert "\nFROM dockwise-test/busybox:latest\n" in result.text


@pytest.mark.parametrize(
    ("base", "cleared"),
    [
        ("gcr.io/distroless/static-debian12", False),  # no ENTRYPOINT of its own
        ("gcr.io/distroless/python3-debian12", True),  # starts python3 with the CMD as its arguments
        ("python:3.12-slim", False),  # official images hand a command through
        ("local/python3:1", True),  # a configured base may have any ENTRYPOINT
    ],
)
def test_a_cmd_without_entrypoint_clears_the_runtime_base_entrypoint_unless_it_runs_commands_as_written(
    base: str, cleared: bool
) -> None:
    result = rewrite_text(PYTHON, {"python": base})
    runtime = result.text.split("\nFROM ", 2)[-1]
    assert ("\nENTRYPOINT []\nCMD [" in runtime) is cleared


@pytest.mark.parametrize("text", [GO, PYTHON, JAVA])
def test_the_result_parses_lints_without_dw151_and_a_second_run_does_nothing(text: str) -> None:
    result = rewrite_text(text)
    assert len(parse(result.text).build.stages) == 2
    found = lint_text(result.text, "Dockerfile", dockerfile_rules(), RuleOptions())
    assert "DW151" not in {d.code for d in found}
    again = rewrite_text(result.text)
    assert (again.status, again.text) == ("unchanged", result.text)


def test_copy_from_paths_exist_in_the_builder() -> None:
    """Each COPY --from source is the build's output or a COPY destination of the builder."""
    result = rewrite_text(GO.replace("COPY . .", "COPY . .\nCOPY config.yaml /etc/server/config.yaml"))
    assert "COPY --from=build /etc/server/config.yaml /etc/server/config.yaml\n" in result.text


def test_dw151_offers_the_rewrite_as_an_unsafe_fix_with_its_notes() -> None:
    [finding] = [
        d for d in lint_text(GO, "Dockerfile", dockerfile_rules(), RuleOptions()) if d.code == "DW151"
    ]
    assert finding.fix is not None
    assert finding.fix.applicability == "unsafe"
    assert any(note.startswith("not proven: the original ran as root") for note in finding.notes)
    options = RuleOptions(runtime_bases=(("go", "local/static:1"),))
    [local] = [d for d in lint_text(GO, "Dockerfile", dockerfile_rules(), options) if d.code == "DW151"]
    assert local.fix is not None
    assert "FROM local/static:1\n" in local.fix.edits[-1].text


def test_dw151_says_why_it_has_no_fix() -> None:
    text = RUST
    [finding] = [
        d for d in lint_text(text, "Dockerfile", dockerfile_rules(), RuleOptions()) if d.code == "DW151"
    ]
    assert finding.fix is None
    assert finding.notes[0].startswith(
        "no automatic multi-stage rewrite: the binary's name comes from Cargo.toml"
    )


# The command line ----------------------------------------------------------------------------------------


def test_cli_diff_applies_with_git_apply_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    dockerfile = _project(tmp_path, GO) / "Dockerfile"
    assert main(["fix", "--multi-stage", "--isolated", "--diff", str(dockerfile)]) == 1
    captured = capsys.readouterr()
    assert dockerfile.read_text() == GO
    assert "Would rewrite" in captured.err
    assert "not proven: the original ran as root" in captured.err
    patch = tmp_path / "change.patch"
    patch.write_text(captured.out.replace(str(dockerfile), "Dockerfile"))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    check = subprocess.run(
        ["git", "apply", "--check", "-p0", patch.name], cwd=tmp_path, capture_output=True, check=False
    )
    assert check.returncode == 0, check.stderr


def test_cli_rewrites_atomically_then_does_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dockerfile = _project(tmp_path, GO) / "Dockerfile"
    assert main(["fix", "--multi-stage", "--isolated", str(tmp_path)]) == 0
    assert dockerfile.read_text() == _named(GO) + GO_RUNTIME
    assert "Rewrote" in capsys.readouterr().err
    assert main(["fix", "--multi-stage", "--isolated", str(tmp_path)]) == 0
    assert "already multi-stage" in capsys.readouterr().err
    assert dockerfile.read_text() == _named(GO) + GO_RUNTIME


def test_cli_refusal_leaves_the_file_and_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dockerfile = _project(tmp_path, RUST) / "Dockerfile"
    assert main(["fix", "--multi-stage", "--isolated", str(dockerfile)]) == 1
    assert dockerfile.read_text() == RUST
    assert f"Refused {dockerfile}: the binary's name comes from Cargo.toml" in capsys.readouterr().err


def test_cli_runtime_base_beats_the_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _project(tmp_path, GO)
    (tmp_path / ".dockwise.toml").write_text('[multi-stage.runtime-bases]\ngo = "config/static:1"\n')
    assert main(["fix", "--multi-stage", "--diff", str(tmp_path)]) == 1
    assert "+FROM config/static:1\n" in capsys.readouterr().out
    args = ["fix", "--multi-stage", "--diff", "--runtime-base", "go=cli/static:2", str(tmp_path)]
    assert main(args) == 1
    assert "+FROM cli/static:2\n" in capsys.readouterr().out


def test_cli_json_lists_the_notes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _project(tmp_path, GO)
    assert main(["fix", "--multi-stage", "--isolated", "--format", "json", "--diff", str(tmp_path)]) == 1
    [row] = json.loads(capsys.readouterr().out)
    assert row["status"] == "would-rewrite"
    assert row["ecosystem"] == "Go"
    assert row["not_proven"]
    assert row["not_proven"][0].startswith("the original ran as root")
    assert row["diff"].startswith("--- ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--runtime-base", "cobol=x"], "unknown ecosystem 'cobol'"),
        (["--runtime-base", "go"], "ECOSYSTEM=IMAGE"),
    ],
)
def test_cli_bad_runtime_base_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    _project(tmp_path, GO)
    assert main(["fix", "--multi-stage", "--isolated", *args, str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_config_with_an_unknown_ecosystem_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, GO)
    (tmp_path / ".dockwise.toml").write_text('[multi-stage.runtime-bases]\ncobol = "x"\n')
    assert main(["fix", "--multi-stage", str(tmp_path)]) == 2
    assert "multi-stage.runtime-bases: unknown ecosystem 'cobol'" in capsys.readouterr().err


def test_rust_for_the_musl_target_is_static(tmp_path: Path) -> None:
    text = RUST.replace("--release --locked", "--release --target x86_64-unknown-linux-musl --bin api")
    result = rewrite_text(
        text.replace('"./target/release/hello-api"', '"./target/x86_64-unknown-linux-musl/release/api"')
    )
    assert result.runtime_base == "gcr.io/distroless/static-debian12:nonroot"
    path = "/usr/src/app/target/x86_64-unknown-linux-musl/release/api"
    assert f"COPY --from=build {path} {path}\n" in result.text
    assert not any("links glibc" in note for note in result.notes)


GO_BUILD = "RUN CGO_ENABLED=0 go build -o /usr/local/bin/server ./cmd/server"
GO_SERVER_COPIED = "COPY --from=build /usr/local/bin/server /usr/local/bin/server\n"


def test_an_artefact_moved_after_the_build_is_copied_from_where_it_went() -> None:
    text = GO.replace(
        GO_BUILD, "RUN CGO_ENABLED=0 go build -o bin/server ./cmd/server && cp bin/server /usr/local/bin/"
    )
    result = rewrite_text(text)
    assert GO_SERVER_COPIED in result.text
    assert "/src/bin/server" not in result.text


@pytest.mark.parametrize(
    ("build", "binary"),
    [
        ("go build -installsuffix cgo -ldflags '-s -w' -o /out/app .", "/out/app"),
        ("go build main.go", "/src/main"),
        ("go build ./cmd/api", "/src/api"),
    ],
)
def test_go_flags_with_values_are_not_taken_for_packages(build: str, binary: str) -> None:
    text = GO.replace(
        "CGO_ENABLED=0 go build -o /usr/local/bin/server ./cmd/server", f"CGO_ENABLED=0 {build}"
    )
    result = rewrite_text(text)
    assert f"COPY --from=build {binary} {binary}\n" in result.text


def test_java_builder_without_a_version_in_its_tag_says_so() -> None:
    result = rewrite_text(JAVA.replace("maven:3.9-eclipse-temurin-21", "maven:3.9"))
    assert result.runtime_base == "gcr.io/distroless/java17-debian12:nonroot"
    assert result.notes == (
        "the builder's JDK version is not in its tag (3.9): the runtime "
        "gcr.io/distroless/java17-debian12:nonroot must run classes of that version",
    )


@pytest.mark.parametrize(
    ("check", "kept"),
    [
        ('HEALTHCHECK --interval=5s CMD ["/usr/local/bin/server", "-health"]', True),
        ('HEALTHCHECK CMD ["wget", "-q", "-O-", "http://localhost:8080/"]', False),
        ("HEALTHCHECK CMD /usr/local/bin/server -health", False),  # shell form: no shell on distroless
        ("HEALTHCHECK NONE", True),
    ],
)
def test_a_health_check_the_runtime_cannot_run_becomes_a_comment(check: str, kept: bool) -> None:
    result = rewrite_text(GO.replace("EXPOSE 8080", f"EXPOSE 8080\n{check}"))
    runtime = result.text.split("\n\n")[-1]
    assert (f"\n{check}\n" in runtime) is kept
    assert (f"\n# {check}\n" in runtime) is not kept


def test_unsafe_fixes_apply_the_rewrite_before_fixes_meant_for_the_old_final_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DW301 would add a USER to the single stage; after the rewrite that stage is the builder, which needs
    none: the rewrite is one edit over the stage, so DW301 waits a round and then no longer fires."""
    dockerfile = _project(tmp_path, GO) / "Dockerfile"
    assert main(["fix", "--isolated", "--unsafe-fixes", str(dockerfile)]) == 0
    assert dockerfile.read_text() == _named(GO) + GO_RUNTIME
    assert "DW301" not in capsys.readouterr().err


def test_the_virtualenv_is_made_before_the_variables_assigned_to_pip() -> None:
    result = rewrite_text(
        PYTHON.replace("RUN pip install", "RUN PIP_INDEX_URL=https://pypi.example/simple pip install")
    )
    assert (
        "RUN python3 -m venv /opt/venv && PIP_INDEX_URL=https://pypi.example/simple pip install"
        in result.text
    )


def test_python_2_is_refused_as_it_has_no_venv() -> None:
    result = rewrite_text(PYTHON.replace("python:3.12", "python:2.7"))
    assert result.status == "refused"
    assert "Python 2 has no venv" in (result.reason or "")


NODE_APP = """\
FROM node:20-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
WORKDIR /usr/local/app
COPY package*.json ./
RUN npm ci
COPY . .
CMD ["node", "server.js"]
"""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (NODE_APP.replace("RUN npm ci", "RUN npm ci && mv /usr/local/app/node_modules /node_modules"),
         "puts files outside /usr/local/app"),
        (NODE_APP.replace('CMD ["node"', 'ENTRYPOINT ["/usr/bin/tini", "--"]\nCMD ["node"'),
         "runs /usr/bin/tini, which the runtime stage does not get from the builder"),
        (NODE_APP.replace('CMD ["node", "server.js"]', 'ENTRYPOINT ["tini", "--", "node", "server.js"]'),
         "comes from a package installed there"),
        (NODE_APP.replace('CMD ["node", "server.js"]', 'COPY init /init\nCMD ["/init"]'),
         "copied from the build context: if it is a script"),
        (NODE_APP.replace("RUN npm ci", "RUN npm ci && bundle install"), "also builds or installs Ruby"),
        (NODE_APP.replace("node:20-slim", "stefanscherer/node-windows:10"), "Windows image"),
    ],
    ids=["node-modules-moved", "tini-by-path", "tini-by-name", "copied-script", "ruby-too", "windows"],
)  # fmt: skip
def test_node_refusals(text: str, reason: str) -> None:
    result = rewrite_text(text)
    assert result.status == "refused"
    assert reason in (result.reason or "")


def test_node_app_without_the_refused_parts_is_rewritten() -> None:
    result = rewrite_text(NODE_APP.replace("tini", "ca-certificates"))
    assert result.status == "rewritten"
    assert result.runtime_base == "gcr.io/distroless/nodejs20-debian12:nonroot"
    assert result.text.endswith('ENTRYPOINT []\nCMD ["/nodejs/bin/node", "server.js"]\n')


def test_a_virtualenv_the_stage_makes_itself_is_copied_as_it_is() -> None:
    text = PYTHON.replace(
        "COPY requirements.txt .\n",
        'ENV VIRTUAL_ENV=/srv/venv\nENV PATH="$VIRTUAL_ENV/bin:$PATH"\nRUN python -m venv $VIRTUAL_ENV\n'
        "COPY requirements.txt .\n",
    )
    result = rewrite_text(text)
    assert result.text.startswith(_named(text))  # no second virtualenv in the builder
    runtime = result.text.split("\n\nFROM ")[-1]
    assert "/opt/venv" not in runtime
    assert 'ENV PATH="$VIRTUAL_ENV/bin:$PATH"\n' in runtime
    assert "COPY --from=build /srv /srv\n" in runtime  # the virtualenv is inside the WORKDIR copied


def test_pip_before_the_stages_own_virtualenv_and_directories_made_elsewhere_are_noted() -> None:
    text = """\
FROM python:3.9-alpine
RUN pip install --upgrade pip
RUN mkdir -p /var/log/app && touch /var/log/app/err.log
WORKDIR /home/app
COPY . .
ENV VIRTUAL_ENV=/home/app/venv
RUN python -m venv $VIRTUAL_ENV
ENV PATH="$VIRTUAL_ENV/bin:$PATH"
RUN pip install -r requirements.txt
CMD ["python", "app.py"]
"""
    result = rewrite_text(text)
    runtime = result.text.split("\n\nFROM ")[-1]
    assert runtime == (
        "python:3.9-alpine\n"
        "ENV VIRTUAL_ENV=/home/app/venv\n"
        'ENV PATH="$VIRTUAL_ENV/bin:$PATH"\n'
        "WORKDIR /home/app\n"
        "COPY --from=build /home/app /home/app\n"
        "USER 65532:65532\n"
        'CMD ["python", "app.py"]\n'
    )
    assert "line 2: pip installs before the stage makes its virtualenv /home/app/venv" in result.notes[0]
    assert (
        "line 3: /var/log/app, /var/log/app/err.log made here is not in the runtime image (only the copied "
        "paths are)"
    ) in result.notes


@pytest.mark.parametrize(
    ("base", "bases", "noted"),
    [("node:20-bookworm", {}, False), ("node:latest", {}, True), ("node:20", {"node": "node:20-slim"}, True)],
)
def test_node_version_not_known_to_match_is_noted(base: str, bases: dict[str, str], noted: bool) -> None:
    result = rewrite_text(NODE_APP.replace("node:20-slim", base).replace("tini", "ca-certificates"), bases)
    assert result.status == "rewritten"
    assert any(f"Node.js version ({base}) is not known to match" in note for note in result.notes) is noted


def test_builds_in_heredocs_are_read() -> None:
    text = GO.replace(GO_BUILD, "RUN <<EOF\nset -e\n" + GO_BUILD.removeprefix("RUN ") + "\nEOF")
    result = rewrite_text(text)
    assert GO_SERVER_COPIED in result.text
    after = text.replace("ENV PORT=8080", "RUN <<EOF\nwget -O /etc/a.conf https://x.example/c\nEOF")
    assert "runs after the build" in (rewrite_text(after).reason or "")


def test_pip_in_a_heredoc_is_refused_rather_than_edited() -> None:
    text = PYTHON.replace(
        "RUN pip install --no-cache-dir -r requirements.txt", "RUN <<EOF\npip install -r r.txt\nEOF"
    )
    result = rewrite_text(text)
    assert result.status == "refused"
    assert "heredoc" in (result.reason or "")
